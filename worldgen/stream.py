"""The world stream: frames without end, steered by segment plans.

A background thread renders the current plan with the backend, paced to the
target fps. ``submit`` replaces what is queued and interrupts the segment being
shown, so an action reaches the picture in the next frame rather than after
the current clip; stale buffered frames are dropped. When plans run out the
stream keeps showing the same state with ambient motion (an idle plan); it
never drifts back to the opening. Frames go to a small bounded queue: a slow
consumer slows the producer instead of growing memory.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from worldgen.backends.base import Frame, WorldBackend
from worldgen.plan import SegmentPlan, idle_plan

HISTORY = 8  # frames a backend may look back on for continuity


@dataclass(frozen=True)
class StreamFrame:
    index: int
    plan_id: str
    frame: Frame
    produced_at: float  # time.perf_counter() when it left the backend


class WorldStream:
    def __init__(self, backend: WorldBackend, opening: SegmentPlan, *, realtime: bool = True, buffer: int = 4):
        self.backend = backend
        self.realtime = realtime
        self.fps = opening.fps
        self._frames: queue.Queue[StreamFrame | None] = queue.Queue(maxsize=buffer)
        self._pending: deque[SegmentPlan] = deque([opening])
        self._lock = threading.Lock()
        self._interrupt = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="world-stream", daemon=True)
        self.current: SegmentPlan = opening
        self.submitted_at: float | None = None
        self.history: deque[Frame] = deque(maxlen=HISTORY)

    # --- control -----------------------------------------------------------------

    def start(self) -> WorldStream:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._interrupt.set()
        self._drain()
        self._thread.join(timeout=10)

    def submit(self, plans: list[SegmentPlan]) -> None:
        """Show these plans next, starting with the very next frame."""
        if not plans:
            return
        with self._lock:
            self._pending = deque(plans)
            self.submitted_at = time.perf_counter()
            self._interrupt.set()
        self._drain()  # frames of the old plan still waiting in the buffer are stale now

    # --- consuming -----------------------------------------------------------------

    def frames(self, timeout: float = 5.0) -> Iterator[StreamFrame]:
        """Frames as they are produced, until the stream stops."""
        while True:
            try:
                item = self._frames.get(timeout=timeout)
            except queue.Empty:
                if self._stop.is_set():
                    return
                continue
            if item is None:
                return
            yield item

    def _drain(self) -> None:
        try:
            while True:
                self._frames.get_nowait()
        except queue.Empty:
            pass

    # --- producing -----------------------------------------------------------------

    def _next_plan(self, idle_count: int) -> tuple[SegmentPlan, bool]:
        """The next plan, and whether it was just submitted (then it is shown at once)."""
        with self._lock:
            fresh = self._interrupt.is_set()
            self._interrupt.clear()
            if self._pending:
                return self._pending.popleft(), fresh
        return idle_plan(self.current, idle_count), False

    def _run(self) -> None:
        index, idle_count = 0, 0
        next_time = time.perf_counter()
        try:
            while not self._stop.is_set():
                plan, fresh = self._next_plan(idle_count)
                idle_count = idle_count + 1 if plan.idle else 0
                self.current = plan
                if fresh:
                    next_time = time.perf_counter() - 1 / self.fps  # an action's first frame goes out at once
                for frame in self.backend.render(plan, list(self.history)):
                    if self._stop.is_set() or self._interrupt.is_set():
                        break
                    if self.realtime:
                        next_time += 1 / self.fps
                        delay = next_time - time.perf_counter()
                        if delay > 0 and self._interrupt.wait(delay):
                            break  # a new plan arrived while waiting: drop this frame, show the new one
                        if delay <= 0:
                            next_time = time.perf_counter()  # behind: don't try to catch up in a burst
                    self.history.append(frame)
                    item = StreamFrame(index, plan.id, frame, time.perf_counter())
                    index += 1
                    while not self._stop.is_set():
                        try:  # backpressure: wait for the consumer, but keep checking for stop/interrupt
                            self._frames.put(item, timeout=0.05)
                            break
                        except queue.Full:
                            if self._interrupt.is_set():
                                break
        finally:
            try:
                self._frames.put_nowait(None)
            except queue.Full:
                pass
