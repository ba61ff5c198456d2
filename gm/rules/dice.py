"""Seeded dice on top of the ``d20`` package.

``d20`` rolls with Python's global ``random``. To make every roll reproducible
from (game seed, turn, roll number) without disturbing anyone else's use of
``random``, each roll seeds the global generator under a lock and restores it.
"""

from __future__ import annotations

import copy
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


# Bounds on any expression rolled: a campaign file or a player's /roll is untrusted input, and
# d20 would otherwise build a million dice (``1000000d1000000``) or a result of any size.
MAX_DICE = 100  # dice in one expression, before explosions
MAX_SIDES = 1000
MAX_RESULT = 1_000_000  # the largest magnitude a roll may reach
MAX_LENGTH = 100
_GROWS = {"e", "ra"}  # operators that roll more dice as they go (explode, reroll-and-add)
_TRIALS = 16  # trial rolls that catch what the bounds cannot see (e.g. ``1d1e1`` explodes forever)


def check_expression(expr: str, *, trial_rolls: bool = True) -> None:
    """Raise DiceError unless ``expr`` is dice notation that can always be rolled within the bounds.

    ``trial_rolls`` also rolls it a few times with fixed seeds, for what the bounds cannot see
    (an explosion that never stops); validation does, each play-time roll need not.
    """
    if not isinstance(expr, str) or not expr.strip():
        raise DiceError("a dice expression must be text such as 2d6+1")
    if len(expr) > MAX_LENGTH:
        raise DiceError(f"a dice expression is at most {MAX_LENGTH} characters")
    try:
        tree = d20.parse(expr)
    except d20.RollError as exc:
        raise DiceError(f"{expr!r} is not a dice expression: {exc}") from None
    dice = [0]
    try:
        lo, hi = _bounds(tree, dice)
    except DiceError as exc:
        raise DiceError(f"{expr!r}: {exc}") from None
    if dice[0] > MAX_DICE:
        raise DiceError(f"{expr!r} rolls {dice[0]} dice; at most {MAX_DICE} are allowed")
    if max(abs(lo), abs(hi)) > MAX_RESULT:
        raise DiceError(f"{expr!r} can reach {max(abs(lo), abs(hi))}; results are limited to ±{MAX_RESULT}")
    for trial in range(_TRIALS if trial_rolls else 0):
        with _seeded(f"check:{trial}"):
            try:
                d20.roll(expr)
            except d20.RollError as exc:
                raise DiceError(f"{expr!r} cannot be rolled: {exc}") from None


def capped(expr: str) -> str | None:
    """``expr`` with its dice cut down to the bounds (sides at most MAX_SIDES, MAX_DICE dice in all), if that
    can then be rolled; None if it cannot be (not dice notation, or unbounded for another reason).

    For dice stored before the bounds existed (a save's campaign): ``1000000d1000000`` reads as ``100d1000``.
    """
    try:
        tree = copy.deepcopy(d20.parse(expr))  # d20 caches parsed trees: never change the one it hands out
    except d20.RollError:
        return None
    found, stack = [], [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, d20.diceast.Dice):
            found.append(node)
        stack.extend(node.children)
    for node in found:
        node.num = max(0, min(node.num, MAX_DICE // len(found)))
        if node.size != "%" and int(node.size) > MAX_SIDES:
            node.size = MAX_SIDES
    try:
        check_expression(str(tree))
    except DiceError:
        return None
    return str(tree)


def _bounds(node, dice: list[int]) -> tuple[int, int]:
    """The interval a node's value lies in (interval arithmetic over d20's tree); counts dice in ``dice``."""
    match node:
        case d20.diceast.Expression():
            return _bounds(node.roll, dice)
        case d20.diceast.Parenthetical() | d20.diceast.AnnotatedNumber():
            return _bounds(node.value, dice)
        case d20.diceast.Literal():
            return node.value, node.value
        case d20.diceast.UnOp():
            lo, hi = _bounds(node.value, dice)
            return (-hi, -lo) if node.op == "-" else (lo, hi)
        case d20.diceast.OperatedDice() | d20.diceast.OperatedSet():
            lo, hi = _bounds(node.value, dice)
            ops = {op.op for op in node.operations}
            if ops & _GROWS:
                return min(lo, 0), hi * max(1, d20.RollContext().max_rolls)
            return min(lo, 0), hi
        case d20.diceast.Dice():
            size = 100 if node.size == "%" else int(node.size)
            if size > MAX_SIDES:
                raise DiceError(f"a d{size} has more than {MAX_SIDES} sides")
            if size < 1:
                raise DiceError(f"a d{size} cannot be rolled")
            dice[0] += node.num
            if dice[0] > MAX_DICE:
                raise DiceError(f"at most {MAX_DICE} dice may be rolled")
            return node.num, node.num * size
        case d20.diceast.NumberSet():
            bounds = [_bounds(child, dice) for child in node.values]
            return sum(b[0] for b in bounds), sum(b[1] for b in bounds)
        case d20.diceast.BinOp():
            (a, b), (c, d) = _bounds(node.left, dice), _bounds(node.right, dice)
            if node.op in ("/", "%") and c <= 0 <= d:
                raise DiceError(f"{node.right} can be 0, and nothing can be divided by 0")
            if node.op == "+":
                return a + c, b + d
            if node.op == "-":
                return a - d, b - c
            if node.op == "*":
                products = (a * c, a * d, b * c, b * d)
                return min(products), max(products)
            if node.op in ("/", "%"):
                return -max(abs(a), abs(b)), max(abs(a), abs(b))
            return 0, 1  # comparisons (==, <, ...) are 0 or 1
    raise DiceError(f"{node} is not supported in a dice expression")


class _seeded:
    """Seed the global ``random`` (which d20 rolls with) for one block, under a lock, and restore it."""

    def __init__(self, key: str):
        self.key = key

    def __enter__(self) -> None:
        _LOCK.acquire()
        self.saved = random.getstate()
        random.seed(self.key)

    def __exit__(self, *exc) -> None:
        random.setstate(self.saved)
        _LOCK.release()


class Dice:
    """The dice of one turn: roll ``n`` of turn ``t`` of game ``s`` is always the same."""

    def __init__(self, seed: int, turn: int, start: int = 0):
        self._key = f"{seed}:{turn}"
        self.count = start  # a turn split over several steps continues its sequence
        self.log: list[Roll] = []

    def roll(self, expr: str, *, dc: int | None = None, who: str | None = None, purpose: str = "") -> Roll:
        check_expression(expr, trial_rolls=False)
        with _seeded(f"{self._key}:{self.count}"):
            try:
                result = d20.roll(expr)
            except d20.RollError as exc:
                raise DiceError(f"{expr!r} cannot be rolled: {exc}") from None
        self.count += 1
        roll = Roll(expr, result.total, str(result), dc, who, purpose, result.crit)
        self.log.append(roll)
        return roll


def modifier(value: int) -> str:
    return f"+{value}" if value >= 0 else str(value)
