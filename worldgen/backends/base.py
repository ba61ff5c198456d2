"""The world-model backend interface: a segment plan in, frames out.

Every backend (the CPU storyboard, the diffusers video models) implements
:class:`WorldBackend`. ``history`` holds the last frames already shown, so a
backend can continue from them (a cross-fade, tail-frame conditioning).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence

import numpy as np

from worldgen.plan import SegmentPlan

Frame = np.ndarray  # (height, width, 3) uint8, RGB


class WorldBackend(ABC):
    name: str = "backend"

    @abstractmethod
    def render(self, plan: SegmentPlan, history: Sequence[Frame]) -> Iterator[Frame]:
        """Yield ``plan.frames`` frames of ``plan.height`` x ``plan.width``."""

    def close(self) -> None:
        """Release models and memory."""


def crossfade(old: Frame, new: Frame, alpha: float) -> Frame:
    """``alpha`` of the new frame over the old one."""
    if old.shape != new.shape:
        return new
    mixed = old.astype(np.float32) * (1.0 - alpha) + new.astype(np.float32) * alpha
    return mixed.astype(np.uint8)
