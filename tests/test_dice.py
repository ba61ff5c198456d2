"""Dice, one fact a line, in the manner of d20's own tests."""

from __future__ import annotations

import pytest

from gm.rules.dice import CritType, Dice, DiceError, check_expression


def roll(expr: str, seed: int = 7, turn: int = 1, index: int = 0):
    return Dice(seed, turn, start=index).roll(expr)


def test_same_seed_turn_and_index_same_total():
    assert roll("4d20+3").total == roll("4d20+3").total
    assert [roll("1d1000", index=i).total for i in range(5)] == [roll("1d1000", index=i).total for i in range(5)]


def test_the_sequence_continues_from_its_start():
    dice = Dice(7, 1)
    first, second = dice.roll("1d1000"), dice.roll("1d1000")
    assert (first.total, second.total) == (roll("1d1000", index=0).total, roll("1d1000", index=1).total)


def test_other_seed_turn_or_index_rolls_anew():
    assert len({roll("1d1000", seed=s).total for s in range(20)}) > 15
    assert len({roll("1d1000", turn=t).total for t in range(20)}) > 15
    assert len({roll("1d1000", index=i).total for i in range(20)}) > 15


def test_fixed_dice():
    assert roll("1d1+5").total == 6
    assert roll("3d1kh1").total == 1
    assert roll("2d6", index=3).total in range(2, 13)


def test_a_lone_natural_20_is_a_crit_and_a_1_a_fail():
    crits = {r.crit for r in (roll("1d20+2", index=i) for i in range(200)) if r.total - 2 == 20}
    fails = {r.crit for r in (roll("1d20+2", index=i) for i in range(200)) if r.total - 2 == 1}
    assert crits == {CritType.CRIT} and fails == {CritType.FAIL}


def test_2d20kh1_crit_reads_the_kept_die():
    rolls = [roll("2d20kh1", index=i) for i in range(300)]
    assert {r.crit for r in rolls if r.total == 20} == {CritType.CRIT}
    assert {r.crit for r in rolls if r.total == 1} == {CritType.FAIL}
    assert {r.crit for r in rolls if 1 < r.total < 20} == {CritType.NONE}


def test_no_crit_without_a_lone_d20():
    assert {roll("1d6+20", index=i).crit for i in range(20)} == {CritType.NONE}
    assert {roll("2d20", index=i).crit for i in range(50)} == {CritType.NONE}


def test_success_against_dc():
    assert Dice(1, 1).roll("1d1+9", dc=10).success is True
    assert Dice(1, 1).roll("1d1+8", dc=10).success is False
    assert Dice(1, 1).roll("1d1").success is None


@pytest.mark.parametrize("expr", ["", "2x8", "d", "1d20+"])
def test_bad_expressions_are_dice_errors(expr):
    with pytest.raises(DiceError):
        check_expression(expr)
    with pytest.raises(DiceError):
        Dice(1, 1).roll(expr)
