"""Seeded dice on top of the ``d20`` package.

``d20`` rolls with Python's global ``random``. To make every roll reproducible
from (game seed, turn, roll number) without disturbing anyone else's use of
``random``, each roll seeds the global generator under a lock and restores it.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

import d20
from d20 import CritType

_LOCK = threading.Lock()


class DiceError(ValueError):
    """A dice expression that cannot be rolled, with a message for players."""


@dataclass(frozen=True)
class Roll:
    expr: str
    total: int
    detail: str  # d20's rendering, e.g. "1d20 (14) + 3 = `17`"
    dc: int | None = None
    who: str | None = None
    purpose: str = ""
    crit: CritType = CritType.NONE  # d20's own reading of a lone kept d20: a natural 20 or 1

    @property
    def success(self) -> bool | None:
        return None if self.dc is None else self.total >= self.dc

    def as_dict(self) -> dict:
        return {"expr": self.expr, "total": self.total, "dc": self.dc, "success": self.success,
                "who": self.who, "purpose": self.purpose, "detail": self.detail}


def check_expression(expr: str) -> None:
    """Raise DiceError unless ``expr`` is valid dice notation."""
    try:
        d20.parse(expr)
    except d20.RollError as exc:
        raise DiceError(f"{expr!r} is not a dice expression: {exc}") from None


class Dice:
    """The dice of one turn: roll ``n`` of turn ``t`` of game ``s`` is always the same."""

    def __init__(self, seed: int, turn: int, start: int = 0):
        self._key = f"{seed}:{turn}"
        self.count = start  # a turn split over several steps continues its sequence
        self.log: list[Roll] = []

    def roll(self, expr: str, *, dc: int | None = None, who: str | None = None, purpose: str = "") -> Roll:
        with _LOCK:
            saved = random.getstate()
            random.seed(f"{self._key}:{self.count}")
            try:
                result = d20.roll(expr)
            except d20.RollError as exc:
                raise DiceError(f"{expr!r} cannot be rolled: {exc}") from None
            finally:
                random.setstate(saved)
        self.count += 1
        roll = Roll(expr, result.total, str(result), dc, who, purpose, result.crit)
        self.log.append(roll)
        return roll


def modifier(value: int) -> str:
    return f"+{value}" if value >= 0 else str(value)
