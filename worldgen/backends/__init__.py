"""World-model backends behind one interface; ``load_backend`` picks one by name.

Switching backends needs no change outside ``worldgen/``: callers pass a name and
settings, and get a :class:`~worldgen.backends.base.WorldBackend`.
"""

from __future__ import annotations

from worldgen.backends.base import Frame, WorldBackend

BACKENDS = ("storyboard", "wan-vace", "ltx", "skyreels-df", "serve")


def load_backend(name: str, model: str | None = None, **options) -> WorldBackend:
    if name == "storyboard":
        from worldgen.backends.storyboard import StoryboardBackend
        return StoryboardBackend()
    if name in ("wan-vace", "ltx", "skyreels-df"):
        from worldgen.backends.diffusion import load_diffusion_backend
        return load_diffusion_backend(name, model, **options)
    if name == "serve":  # workers on a Ray Serve cluster render for this process (worldgen/backends/serve.py)
        try:
            from worldgen.backends.serve import ServeBackend
        except ImportError as exc:
            raise ValueError('the serve world backend needs Ray: pip install "worldkeeper[serve]"') from exc
        return ServeBackend(**{k: v for k, v in options.items() if k in ("address", "app")})
    raise ValueError(f"unknown world backend {name!r}; choose one of {', '.join(BACKENDS)}")


__all__ = ["BACKENDS", "Frame", "WorldBackend", "load_backend"]
