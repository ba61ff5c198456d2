"""World-model backends behind one interface; ``load_backend`` picks one by name.

Switching backends needs no change outside ``worldgen/``: callers pass a name and
settings, and get a :class:`~worldgen.backends.base.WorldBackend`.
"""

from __future__ import annotations

from worldgen.backends.base import Frame, WorldBackend

BACKENDS = ("storyboard", "wan-vace", "ltx", "skyreels-df")


def load_backend(name: str, model: str | None = None, **options) -> WorldBackend:
    if name == "storyboard":
        from worldgen.backends.storyboard import StoryboardBackend
        return StoryboardBackend()
    if name in ("wan-vace", "ltx", "skyreels-df"):
        from worldgen.backends.diffusion import load_diffusion_backend
        return load_diffusion_backend(name, model, **options)
    raise ValueError(f"unknown world backend {name!r}; choose one of {', '.join(BACKENDS)}")


__all__ = ["BACKENDS", "Frame", "WorldBackend", "load_backend"]
