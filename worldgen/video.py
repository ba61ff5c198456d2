"""Video output with PyAV: H.264 MP4 clips, size-limited clips, and a fragmented MP4 live stream."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from worldgen.backends.base import Frame

FRAGMENTED = "frag_keyframe+empty_moov+default_base_moof"


class Mp4Writer:
    """Frames in, H.264 (libx264, yuv420p) MP4 out, to a path or a binary file object."""

    def __init__(self, target: str | Path | io.RawIOBase, width: int, height: int, fps: int, *, crf: int = 23,
                 preset: str = "veryfast", fragmented: bool = False, keyframe_every: int | None = None):
        movflags = FRAGMENTED if fragmented else "+faststart"
        self.container = av.open(target if not isinstance(target, Path) else str(target), mode="w", format="mp4",
                                 options={"movflags": movflags})
        self.stream = self.container.add_stream("libx264", rate=Fraction(fps, 1))
        self.stream.width, self.stream.height = width - width % 2, height - height % 2
        self.stream.pix_fmt = "yuv420p"
        opts = {"crf": str(crf), "preset": preset}
        if fragmented:  # no lookahead: each frame leaves the encoder at once, for a live picture
            opts["tune"] = "zerolatency"
        self.stream.options = opts
        if keyframe_every:
            self.stream.codec_context.gop_size = keyframe_every
        self.frames = 0

    def write(self, frame: Frame) -> None:
        h, w = self.stream.height, self.stream.width
        if frame.shape[0] != h or frame.shape[1] != w:
            frame = np.ascontiguousarray(frame[:h, :w])
        video_frame = av.VideoFrame.from_ndarray(frame, format="rgb24")
        video_frame.pts = self.frames
        self.frames += 1
        for packet in self.stream.encode(video_frame):
            self.container.mux(packet)

    def close(self) -> None:
        for packet in self.stream.encode():
            self.container.mux(packet)
        self.container.close()


def write_mp4(frames: Iterable[Frame], path: Path, fps: int, *, crf: int = 23, scale: int = 1) -> int:
    """Encode frames to ``path``; returns the frame count."""
    writer: Mp4Writer | None = None
    for frame in frames:
        if scale > 1:
            frame = np.ascontiguousarray(frame[::scale, ::scale])
        if writer is None:
            writer = Mp4Writer(path, frame.shape[1], frame.shape[0], fps, crf=crf)
        writer.write(frame)
    if writer is None:
        raise ValueError("no frames to encode")
    writer.close()
    return writer.frames


# Tried in order until a clip fits: (crf, downscale factor).
FIT_LADDER = [(23, 1), (30, 1), (36, 1), (32, 2), (40, 2), (44, 4)]
TEMPORARY = ".tmp"  # suffix of a video being written; never matched by the clips' own patterns


@contextmanager
def written_whole(path: Path) -> Iterator[Path]:
    """A temporary name beside ``path`` to write to; renamed to ``path`` only when the block succeeds, so a
    crash mid-write never leaves a truncated file under the real name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}{TEMPORARY}")
    try:
        yield partial
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def write_clip_within(frames: list[Frame], path: Path, fps: int, limit_bytes: int) -> Path:
    """An MP4 no larger than ``limit_bytes``, stepping quality and size down as needed."""
    with written_whole(path) as partial:
        for crf, scale in FIT_LADDER:
            write_mp4(frames, partial, fps, crf=crf, scale=scale)
            if partial.stat().st_size <= limit_bytes:
                break
        else:
            raise ValueError(f"cannot fit {len(frames)} frames in {limit_bytes} bytes")
    return path


def write_webp_within(frames: list[Frame], path: Path, fps: int, limit_bytes: int) -> Path:
    """An animated WebP no larger than ``limit_bytes``: the fallback when no MP4 fits."""
    from PIL import Image

    with written_whole(path) as partial:
        for scale, step, quality in ((2, 2, 50), (4, 2, 40), (4, 4, 30), (8, 4, 20)):
            images = [Image.fromarray(np.ascontiguousarray(f[::scale, ::scale])) for f in frames[::step]]
            images[0].save(partial, format="WEBP", save_all=True, append_images=images[1:], quality=quality,
                           duration=int(1000 * step / fps), loop=0)
            if partial.stat().st_size <= limit_bytes:
                break
        else:
            raise ValueError(f"cannot fit {len(frames)} frames in {limit_bytes} bytes")
    return path


def read_frames(path: Path) -> list[np.ndarray]:
    """Decode every frame of a video as RGB arrays."""
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def concat_mp4(parts: list[Path], path: Path, fps: int,
               on_unreadable: Callable[[Path, Exception], None] | None = None) -> Path | None:
    """One MP4 of several clips (re-encoded, so clips of different sizes and qualities can join).

    A clip that cannot be decoded (truncated, empty, not a video) is left out whole and reported to
    ``on_unreadable``; None when no clip could be read."""
    size: tuple[int, int] | None = None

    def decoded(part: Path) -> list[np.ndarray]:
        nonlocal size
        out = []
        with av.open(str(part)) as container:
            for f in container.decode(video=0):
                if size is None:
                    size = (f.width, f.height)
                if (f.width, f.height) != size:
                    f = f.reformat(width=size[0], height=size[1])
                out.append(f.to_ndarray(format="rgb24"))
        if not out:
            raise ValueError("no frames")
        return out

    def frames():
        for part in parts:
            try:
                clip = decoded(part)  # whole, so a clip that breaks half-way adds nothing
            except (av.FFmpegError, OSError, ValueError) as exc:
                if on_unreadable is not None:
                    on_unreadable(part, exc)
                continue
            yield from clip

    try:
        with written_whole(path) as partial:
            write_mp4(frames(), partial, fps)
    except ValueError:  # nothing readable to write
        return None
    return path


class _Sink(io.RawIOBase):
    def __init__(self, on_bytes: Callable[[bytes], None]):
        self.on_bytes = on_bytes

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:  # type: ignore[override]
        self.on_bytes(bytes(b))
        return len(b)


class LiveMp4:
    """A fragmented MP4 stream: an init segment (ftyp+moov), then moof+mdat fragments.

    Browsers play it through Media Source Extensions: append ``init`` once, then
    each fragment. A fragment starts at every keyframe, so a viewer can join at any
    fragment.
    """

    def __init__(self, width: int, height: int, fps: int, on_fragment: Callable[[bytes], None],
                 keyframe_every: int | None = None):
        self.on_fragment = on_fragment
        self.init: bytes | None = None
        self._buffer = bytearray()
        self._head = b""  # ftyp, until moov completes the init segment
        self._moof: bytes | None = None
        self._writer = Mp4Writer(_Sink(self._take), width, height, fps, crf=26, preset="ultrafast",
                                 fragmented=True, keyframe_every=keyframe_every or max(1, fps // 2))

    def _take(self, data: bytes) -> None:
        """Split the muxer's output into top-level boxes: init segment, then moof+mdat fragments."""
        self._buffer += data
        while len(self._buffer) >= 8:
            size = int.from_bytes(self._buffer[:4], "big")
            if size < 8 or len(self._buffer) < size:
                return
            box_type, box = bytes(self._buffer[4:8]), bytes(self._buffer[:size])
            del self._buffer[:size]
            if self.init is None:
                if box_type == b"moov":
                    self.init = self._head + box
                else:
                    self._head += box
            elif box_type == b"moof":
                self._moof = box
            elif box_type == b"mdat" and self._moof is not None:
                self.on_fragment(self._moof + box)
                self._moof = None

    def write(self, frame: Frame) -> None:
        self._writer.write(frame)

    def close(self) -> None:
        self._writer.close()

    @property
    def codec(self) -> str:
        """The MIME type with codec string, for ``MediaSource.addSourceBuffer``."""
        profile = "avc1.640028"
        if self.init and b"avcC" in self.init:
            i = self.init.index(b"avcC") + 4
            profile = "avc1." + self.init[i + 1:i + 4].hex()
        return f'video/mp4; codecs="{profile}"'
