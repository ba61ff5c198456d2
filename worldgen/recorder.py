"""Per-turn clips and the whole session's video, written under a save's folder."""

from __future__ import annotations

from collections import deque
from pathlib import Path

from worldgen.backends.base import Frame, WorldBackend
from worldgen.plan import SegmentPlan
from worldgen.stream import HISTORY
from worldgen.video import concat_mp4, write_clip_within, write_webp_within


class SessionRecorder:
    def __init__(self, backend: WorldBackend, folder: Path, fps: int, limit_bytes: int):
        self.backend, self.fps, self.limit = backend, fps, limit_bytes
        self.clips = folder / "clips"
        self.session = folder / "session.mp4"
        self.history: deque[Frame] = deque(maxlen=HISTORY)

    def render(self, plans: list[SegmentPlan]) -> list[Frame]:
        frames: list[Frame] = []
        for plan in plans:
            for frame in self.backend.render(plan, list(self.history)):
                frames.append(frame)
                self.history.append(frame)
        return frames

    def record_turn(self, turn: int, plans: list[SegmentPlan]) -> str | None:
        """Render a turn's plans to ``clips/turn-NNNN.mp4`` within the size limit, falling back to an
        animated WebP (``previews/``) when no MP4 fits; None if nothing fits or there is nothing to show."""
        frames = self.render(plans)
        if not frames:
            return None
        try:
            return str(write_clip_within(frames, self.clips / f"turn-{turn:04d}.mp4", self.fps, self.limit))
        except ValueError:
            (self.clips / f"turn-{turn:04d}.mp4").unlink(missing_ok=True)
        previews = self.clips.parent / "previews"
        previews.mkdir(parents=True, exist_ok=True)
        try:
            return str(write_webp_within(frames, previews / f"turn-{turn:04d}.webp", self.fps, self.limit))
        except ValueError:
            return None

    def finish(self) -> str | None:
        """``session.mp4``: every clip of the save so far, in turn order (also across resumed runs)."""
        parts = sorted(self.clips.glob("turn-*.mp4"))
        if not parts:
            return None
        return str(concat_mp4(parts, self.session, self.fps))

    def close(self) -> None:
        self.backend.close()
