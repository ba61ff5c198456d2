"""Field types shared by the campaign schema and its condition language."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Id = Annotated[
    str,
    Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$",
          description="A lower-case identifier: letters, digits, '-' and '_'."),
]
Text = Annotated[str, Field(max_length=4000)]
DiceExpr = Annotated[str, Field(min_length=1, max_length=40, description="Dice in d20 notation, e.g. 2d6+1.")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CharacterKind(str, Enum):
    pc = "pc"
    npc = "npc"
    companion = "companion"
    monster = "monster"
