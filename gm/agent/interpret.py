"""Words to a grounded intent.

Order of attempts: slash commands, then the deterministic command parser,
then the grounder (embeddings over the candidate intents of this scene, with
the language model choosing among the top few when they are close). Every
result names only things that exist, or is a clarification that changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

from gm.actions import usage_lines
from gm.actions.attack import enemies_here
from gm.agent.commands import parse_command
from gm.intent import Action, Intent
from gm.rules.dice import DiceError, check_expression
from gm.state.world import CharacterState, World

MAX_INPUT = 500
Kind = Literal["action", "roll", "event", "join", "info", "clarify"]
INFO_COMMANDS = {"status", "quests", "help", "party", "saves"}


@dataclass
class Interpretation:
    kind: Kind
    intent: Intent | None = None
    argument: str | None = None  # the dice expression, the event text, or the info command
    clarification: str | None = None
    via: str = "command"  # command, embedding, model
    candidates: list[tuple[str, float]] = field(default_factory=list)
    options: list[tuple[str, Intent]] = field(default_factory=list)  # close alternatives a person may pick from
    intents: list[Intent] = field(default_factory=list)  # a line with several actions: each, in order


class Grounder(Protocol):
    def ground(self, world: World, text: str, actor: str | None = None) -> Interpretation: ...


SLASH_COMMANDS = "/look /status /quests /roll 1d20+2 /event <text> /help"
HELP = (f"Say what you do in your own words, or use plain commands: {', '.join(usage_lines())}. "
        f"Commands: {SLASH_COMMANDS}")


def interpret(world: World, text: str, grounder: Grounder | None = None, actor: str | None = None) -> Interpretation:
    """``actor`` is the player's own character (None: the party's first member); free text is grounded for it."""
    text = " ".join(text.split())
    if not text:
        return Interpretation("clarify", clarification="The world waits. What do you do?")
    if len(text) > MAX_INPUT:
        return Interpretation("clarify", clarification=f"That is too long to act on; keep it under {MAX_INPUT} "
                                                       "characters.")
    if text.startswith("/"):
        return _slash(world, text)
    intent = parse_command(world, text)
    if intent is not None:
        return _judged(world, text, Interpretation("action", intent=intent), grounder, actor)
    if grounder is not None:
        return _judged(world, text, grounder.ground(world, text, actor), grounder, actor)
    return Interpretation("clarify", clarification="I'm not sure what you mean. " + HELP)


def _judged(world: World, text: str, found: Interpretation, grounder: Grounder | None, actor: str | None
            ) -> Interpretation:
    """An open action leaves here with its stat and difficulty decided (the rules validate them), and every
    intent with what the rules would fill in said outright."""
    from gm.agent.checks import CheckJudge

    me = world.characters.get(actor) if actor else world.lead()
    if found.intent is not None:
        found.intent = _completed(world, me, found.intent)
    found.intents = [_completed(world, me, i) for i in found.intents]

    judge = getattr(grounder, "judge", None) or CheckJudge()
    if found.intent is not None and found.intent.action is Action.check:
        found.intent = judge.settle(world, text, found.intent)
    found.intents = [judge.settle(world, text, i) if i.action is Action.check else i for i in found.intents]
    return found


def _completed(world: World, me: CharacterState | None, intent: Intent) -> Intent:
    """The intent with what the rules would fill in said outright, so what is shown is what is done: learning
    from the one teacher here of that skill, a blow or a harmful skill at the only enemy here."""
    if intent.action is Action.learn and intent.target is None and intent.skill:
        teachers = [ch.key for ch in world.present() if ch.alive and intent.skill in world.spec(ch.key).teaches]
        if len(teachers) == 1:
            return intent.model_copy(update={"target": teachers[0]})
    harmful = intent.action is Action.attack or (
        intent.action is Action.use_skill and intent.skill in world.campaign.skills
        and world.campaign.skills[intent.skill].damage is not None)
    if harmful and intent.target is None:
        enemies = [ch.key for ch in enemies_here(world, me)]
        if len(enemies) == 1:
            return intent.model_copy(update={"target": enemies[0]})
    return intent


def _slash(world: World, text: str) -> Interpretation:
    command, _, argument = text[1:].partition(" ")
    command, argument = command.lower(), argument.strip()
    if command == "look":
        return Interpretation("action", intent=Intent(action="look"))
    if command in INFO_COMMANDS:
        return Interpretation("info", argument=command)
    if command == "roll":
        try:
            check_expression(argument or "1d20")
        except DiceError as exc:
            return Interpretation("clarify", clarification=str(exc))
        return Interpretation("roll", argument=argument or "1d20")
    if command == "join":
        if not argument:
            return Interpretation("clarify", clarification="Usage: /join <name> [| <appearance>]")
        return Interpretation("join", argument=argument)
    if command == "event":
        if not argument:
            return Interpretation("clarify", clarification="Usage: /event <what happens>, e.g. /event A giant "
                                                           "robot lands in the square")
        return Interpretation("event", argument=argument)
    return Interpretation("clarify", clarification=f"Unknown command /{command}. " + HELP)
