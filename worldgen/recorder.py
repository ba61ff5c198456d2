"""What one game shows, from one world stream: per-turn clips, the session video, the live fMP4.

:class:`GameVideo` owns the game's only :class:`~worldgen.stream.WorldStream` (so the world model is loaded
once and every turn is generated once): a turn's frames are written as its clip and, when the live viewer is
on, shown by the same stream. The session video is assembled from the clips on request, so the cost of a
turn or of leaving the game does not grow with the length of the campaign.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from worldgen.backends.base import Frame, WorldBackend
from worldgen.plan import SegmentPlan
from worldgen.stream import WorldStream
from worldgen.video import TEMPORARY, concat_mp4, write_clip_within, write_webp_within

log = logging.getLogger(__name__)


class SessionRecorder:
    """Per-turn clips under a save's folder, written whole or not at all, and the session video made of them."""

    def __init__(self, folder: Path, fps: int, limit_bytes: int):
        self.fps, self.limit = fps, limit_bytes
        self.clips = folder / "clips"
        self.previews = folder / "previews"
        self.session = folder / "session.mp4"
        for leftover in [*self.clips.glob(f".*{TEMPORARY}"), *folder.glob(f".*{TEMPORARY}")]:
            leftover.unlink(missing_ok=True)  # a write cut off by a crash

    def record_turn(self, turn: int, frames: list[Frame]) -> str | None:
        """``clips/turn-NNNN.mp4`` within the size limit, falling back to an animated WebP (``previews/``) when
        no MP4 fits; None if nothing fits or there is nothing to show."""
        if not frames:
            return None
        clip = self.clips / f"turn-{turn:04d}.mp4"
        try:
            return str(write_clip_within(frames, clip, self.fps, self.limit))
        except ValueError:
            clip.unlink(missing_ok=True)  # an older clip of this turn number (a turn replayed after an undo)
        try:
            return str(write_webp_within(frames, self.previews / f"turn-{turn:04d}.webp", self.fps, self.limit))
        except ValueError:
            return None

    def assemble(self, on_unreadable: Callable[[Path, Exception], None] | None = None) -> str | None:
        """``session.mp4``: every readable clip of the save, in turn order (also across resumed runs). A clip
        that cannot be read is left out with a warning; None when there is no clip."""
        def skipped(part: Path, exc: Exception) -> None:
            log.warning("session video: left out %s, which cannot be read (%s)", part, exc)
            if on_unreadable is not None:
                on_unreadable(part, exc)

        parts = sorted(self.clips.glob("turn-*.mp4"))
        made = concat_mp4(parts, self.session, self.fps, skipped) if parts else None
        return str(made) if made else None


class GameVideo:
    """One game's world stream and what is made from its frames: clips, the session video, the live fMP4."""

    def __init__(self, backend: WorldBackend, opening: SegmentPlan, folder: Path | None, fps: int,
                 limit_bytes: int):
        self.stream = WorldStream(backend, opening, realtime=True)
        self.recorder = SessionRecorder(folder, fps, limit_bytes) if folder is not None else None
        self.opening = opening
        self.broadcast = None

    def start_live(self):
        """The live fMP4 of this stream for the web viewer (started once; later calls return it)."""
        if self.broadcast is None:
            from worldgen.live import LiveBroadcast

            self.broadcast = LiveBroadcast(self.stream, self.opening.width, self.opening.height,
                                           self.opening.fps).start()
        return self.broadcast

    def show_turn(self, turn: int, plans: list[SegmentPlan]) -> str | None:
        """Render a turn once: its clip is written from the frames the live viewer shows. Returns the clip.

        Video never fails a turn: the turn is already stored, so a failure to write is logged and the turn
        simply has no clip (the session video is assembled from the clips that exist)."""
        try:
            frames = self.stream.render_turn(plans)
            return self.recorder.record_turn(turn, frames) if self.recorder is not None else None
        except Exception as exc:  # noqa: BLE001 - a full disk, a codec error: the game goes on without this clip
            log.warning("turn %d has no clip: %s", turn, exc)
            return None

    def assemble(self, on_unreadable: Callable[[Path, Exception], None] | None = None) -> str | None:
        return self.recorder.assemble(on_unreadable) if self.recorder is not None else None

    def close(self) -> None:
        if self.broadcast is not None:
            self.broadcast.stop()
        else:
            self.stream.stop()
        self.stream.backend.close()
