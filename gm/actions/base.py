"""What one action is: an :class:`ActionSpec` owns its verbs, help, parsing, grounding phrasings and rules.

In the manner of Evennia's commands, each action is one class in one module of
:mod:`gm.actions`; the help text, the plain-command parser, the grounder's
candidates and the rules' dispatch are all read from the registry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from gm.actions.naming import name_words, resolve_name
from gm.intent import Action, Intent
from gm.rules.engine import Resolution
from gm.state.world import CharacterState, World


@dataclass
class Candidate:
    """One intent that can happen in this scene, with phrasings for the grounder to match words against."""

    intent: Intent
    label: str
    phrasings: list[str]
    names: set[str] = field(default_factory=set)  # words that name its target, item or skill
    keys: tuple[str, ...] = ()  # the ids it involves

    @classmethod
    def of(cls, world: World, intent: Intent, label: str, phrasings: list[str], *keys: str) -> Candidate:
        named: set[str] = set()
        for key in keys:
            named |= name_words(world, key)
        return cls(intent, label, [label, *phrasings], named, keys)


class ActionSpec:
    """One action. Subclasses set the class attributes and override what their action needs."""

    action: ClassVar[Action]
    verbs: ClassVar[tuple[str, ...]] = ()  # plain-command verbs and aliases, longest phrasing first where they overlap
    usage: ClassVar[str] = ""  # the plain command, e.g. "go <exit>"; empty for actions with no plain command
    help: ClassVar[str] = ""  # one line: what the action does
    targeted: ClassVar[bool] = False  # whether the action is about something the player names
    cues: ClassVar[tuple[str, ...]] = ()  # everyday words that say this action (general English, for the grounder)

    def parse(self, rest: str, world: World) -> Intent | None:
        """The intent of a plain command whose verb was one of ``verbs``; ``rest`` is what followed it
        (normalised). None when the words are not this plain command."""
        return Intent(action=self.action) if not rest else None

    def candidates(self, world: World, actor: CharacterState | None) -> list[Candidate]:
        """Every intent of this action that can apply in the current scene, for ``actor``."""
        return []

    def resolve(self, r: Resolution, actor: CharacterState, intent: Intent) -> None:
        """Emit the action's events into ``r``, or raise :class:`gm.rules.engine.Refusal` before any."""
        raise NotImplementedError


def others_here(world: World, actor: CharacterState | None) -> list[CharacterState]:
    """Everyone present but the actor."""
    return [c for c in world.present() if actor is None or c.key != actor.key]


def parse_target(action: Action, rest: str, world: World, *, optional: bool) -> Intent | None:
    """``<verb> <someone>``: the one thing the rest of the line names, or no target when ``optional``."""
    if not rest:
        return Intent(action=action) if optional else None
    key = resolve_name(world, rest)
    return Intent(action=action, target=key) if key is not None else None
