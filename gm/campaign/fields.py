"""Field types shared by the campaign schema and its condition language."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt
from pydantic_core import PydanticCustomError

from gm.rules.dice import DiceError, check_expression

Id = Annotated[
    str,
    Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$",
          description="A lower-case identifier: letters, digits, '-' and '_'."),
]
Text = Annotated[str, Field(max_length=4000)]


DICE_ERROR = "dice"  # the error type of a dice expression out of bounds (a save's campaign reads it capped)


def _rollable(expr: str) -> str:
    """Dice that can always be rolled within the bounds of :func:`gm.rules.dice.check_expression`."""
    try:
        check_expression(expr)
    except DiceError as exc:
        raise PydanticCustomError(DICE_ERROR, "{error}", {"error": str(exc)}) from None
    return expr


DiceExpr = Annotated[str, Field(min_length=1, max_length=40, description="Dice in d20 notation, e.g. 2d6+1."),
                     AfterValidator(_rollable)]
# Numbers are strict (YAML's `true` or "12" is refused rather than read as 1 or 12) and bounded
# (every number in a campaign ends up in a roll, a comparison or a database column).
Int = Annotated[StrictInt, Field(ge=-1_000_000, le=1_000_000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Attitude = Literal["hostile", "wary", "neutral", "friendly"]
ATTITUDES: tuple[str, ...] = ("hostile", "wary", "neutral", "friendly")  # from worst to best


class CharacterKind(str, Enum):
    pc = "pc"
    npc = "npc"
    companion = "companion"
    monster = "monster"
