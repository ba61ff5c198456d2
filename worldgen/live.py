"""A live broadcast: the world stream encoded as fragmented MP4 for any number of viewers.

One thread takes frames from a :class:`~worldgen.stream.WorldStream`, encodes them
once with :class:`~worldgen.video.LiveMp4`, and hands each fragment to every
subscriber. A viewer that joins late gets the init segment and the latest
fragment (each starts at a keyframe), so it starts playing at once. Slow viewers
lose old fragments rather than holding memory: each subscriber queue is bounded.
"""

from __future__ import annotations

import queue
import threading

from worldgen.plan import SegmentPlan
from worldgen.stream import WorldStream
from worldgen.video import LiveMp4

SUBSCRIBER_BACKLOG = 32


class LiveBroadcast:
    def __init__(self, stream: WorldStream, width: int, height: int, fps: int):
        self.stream = stream
        self._subscribers: list[queue.Queue[bytes | None]] = []
        self._lock = threading.Lock()
        self._latest: bytes | None = None
        self._ready = threading.Event()
        self.encoder = LiveMp4(width, height, fps, self._publish)
        self._thread = threading.Thread(target=self._run, name="live-broadcast", daemon=True)

    def start(self) -> LiveBroadcast:
        self.stream.start()
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stream.stop()
        self._thread.join(timeout=10)
        with self._lock:
            for q in self._subscribers:
                q.put_nowait(None)

    def show(self, plans: list[SegmentPlan]) -> None:
        self.stream.submit(plans)

    @property
    def codec(self) -> str:
        self._ready.wait(timeout=10)
        return self.encoder.codec

    def init_segment(self, timeout: float = 10.0) -> bytes:
        self._ready.wait(timeout=timeout)
        if self.encoder.init is None:
            raise TimeoutError("the live stream has not started")
        return self.encoder.init

    def subscribe(self) -> queue.Queue[bytes | None]:
        q: queue.Queue[bytes | None] = queue.Queue(maxsize=SUBSCRIBER_BACKLOG)
        with self._lock:
            if self._latest is not None:
                q.put_nowait(self._latest)
            self._subscribers.append(q)
        return q

    def unsubscribe(self, q: queue.Queue) -> None:
        with self._lock:
            if q in self._subscribers:
                self._subscribers.remove(q)

    def _publish(self, fragment: bytes) -> None:
        self._ready.set()
        with self._lock:
            self._latest = fragment
            for q in self._subscribers:
                try:
                    q.put_nowait(fragment)
                except queue.Full:  # a viewer that fell behind skips ahead
                    try:
                        q.get_nowait()
                        q.put_nowait(fragment)
                    except (queue.Empty, queue.Full):
                        pass

    def _run(self) -> None:
        for item in self.stream.frames():
            self.encoder.write(item.frame)
            if self.encoder.init is not None:
                self._ready.set()
        self.encoder.close()
