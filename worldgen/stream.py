"""The world stream: one per game, the only caller of its world model.

Turns are rendered once (:meth:`WorldStream.render_turn`, in the caller's
thread): those frames make the turn's clip and are what the live output shows
next, so a turn is never generated twice. The live output is a background
thread that shows frames paced to the target fps. ``submit`` replaces what is queued and interrupts the segment being
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
        # what the live output shows next: a plan, with its frames when a turn already rendered them
        self._pending: deque[tuple[SegmentPlan, list[Frame] | None]] = deque([(opening, None)])
        self._lock = threading.Lock()
        self._backend_lock = threading.Lock()  # turns and the live idle share one model, a frame at a time
        self.turn_history: deque[Frame] = deque(maxlen=HISTORY)  # the last turn's frames: clips continue them
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
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def submit(self, plans: list[SegmentPlan]) -> None:
        """Show these plans next, starting with the very next frame (rendered by the live output)."""
        self._show([(plan, None) for plan in plans])

    def render_turn(self, plans: list[SegmentPlan]) -> list[Frame]:
        """Render a turn's plans once, continuing from the last turn's frames; the live output, when it runs,
        shows these same frames next. Returns them (for the clip)."""
        rendered: list[tuple[SegmentPlan, list[Frame]]] = []
        for plan in plans:
            frames = list(self._render(plan, list(self.turn_history)))
            self.turn_history.extend(frames)
            rendered.append((plan, frames))
        if self._thread.is_alive():
            self._show(rendered)
        return [frame for _, frames in rendered for frame in frames]

    def _show(self, items: list[tuple[SegmentPlan, list[Frame] | None]]) -> None:
        if not items:
            return
        with self._lock:
            self._pending = deque(items)
            self.submitted_at = time.perf_counter()
            self._interrupt.set()
        self._drain()  # frames of the old plan still waiting in the buffer are stale now

    def _render(self, plan: SegmentPlan, history: list[Frame]) -> Iterator[Frame]:
        """The backend's frames for ``plan``, holding the model only while it makes each one."""
        frames = self.backend.render(plan, history)
        while True:
            with self._backend_lock:
                frame = next(frames, None)
            if frame is None:
                return
            yield frame

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

    def _next_plan(self, idle_count: int) -> tuple[SegmentPlan, list[Frame] | None, bool]:
        """The next plan, its frames if already rendered, and whether it was just submitted (shown at once)."""
        with self._lock:
            fresh = self._interrupt.is_set()
            self._interrupt.clear()
            if self._pending:
                plan, frames = self._pending.popleft()
                return plan, frames, fresh
        return idle_plan(self.current, idle_count), None, False

    def _run(self) -> None:
        index, idle_count = 0, 0
        next_time = time.perf_counter()
        try:
            while not self._stop.is_set():
                plan, rendered, fresh = self._next_plan(idle_count)
                idle_count = idle_count + 1 if plan.idle else 0
                self.current = plan
                if fresh:
                    next_time = time.perf_counter() - 1 / self.fps  # an action's first frame goes out at once
                frames = rendered if rendered is not None else self._render(plan, list(self.history))
                for frame in frames:
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
