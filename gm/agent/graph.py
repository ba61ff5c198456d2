"""The turn graph: interpret -> adjudicate -> check -> advance -> narrate -> direct -> commit.

Conditional edges skip what a turn does not need:

- after interpret: ``/status``-style info and a clarifying question go straight to narrate;
- after adjudicate: a free ``/roll`` goes straight to narrate;
- after check: only a successful action (or round) advances the world;
- after narrate: info and free rolls end there. They are answered but not stored: not a turn.

Each node is a small function over :class:`TurnState`, which holds only plain
data (so langgraph's checkpointer can store it) and returns only its update:
``events`` and ``rolls`` accumulate through reducers. Routing lives in the
graph's conditional edges, not in the nodes. The working world of a node is
always the stored world plus the events decided so far in this turn, so a
turn resumed in another process computes exactly what the first would have;
:meth:`TurnContext.world` caches it per run instead of reloading and replaying
it in every node. Nothing touches SQL until ``commit``, which writes the whole
turn in one transaction: a turn killed anywhere before it leaves the game as it was.
"""

from __future__ import annotations

import operator
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Annotated, Protocol, TypedDict

from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import interrupt

from gm import events as ev
from gm.agent.director import Extractor, entity_from_event
from gm.agent.conversation import TopicPicker
from gm.agent.interpret import HELP, Grounder, Interpretation, interpret
from gm.agent.narrate import FactWriter, namer
from gm.intent import Action, Intent
from gm.rules.advance import advance as advance_world
from gm.rules.dice import Dice, DiceError
from gm.actions import resolve
from gm.state.invariants import violations
from gm.state.store import Store, TurnRecord
from gm.state.world import World

RECALLED_TURNS = 3  # how far back a pronoun can reach
ROLLED_ACTIONS = {Action.attack, Action.use_skill, Action.recruit, Action.check}


class TurnState(TypedDict, total=False):
    # the input: set when the turn starts (one checkpoint thread per turn, so nothing is left from the last)
    game: str
    number: int
    input: str
    actor: str | None
    round: list[dict] | None  # several players' actions played as one turn: [{"actor", "text"}, ...]
    # decided by the nodes
    kind: str  # action, round, roll, event, join, info, clarify
    intent: dict | None
    argument: str | None
    via: str
    ok: bool
    reason: str | None
    events: Annotated[list[dict], operator.add]  # each node returns only the events it adds
    rolls: Annotated[list[dict], operator.add]
    narration: str
    plans: list[dict]

# kinds that are answered but not stored: asking about the world, or rolling for fun, is not a turn
NOT_A_TURN = frozenset({"info", "roll"})


# (world before the turn, the turn's events, turn number, the last plan shown before it) -> plans as dicts
Planner = Callable[[World, list[ev.Event], int, dict | None], list[dict]]
Flavor = Callable[[World, list[ev.Event], list[str]], Iterator[str]]
InfoWriter = Callable[[World, str], str]


class Notices(Protocol):
    def drain(self) -> list[str]: ...


@dataclass
class TurnContext:
    store: Store
    grounder: Grounder | None = None
    planner: Planner | None = None
    flavor: Flavor | None = None  # the model's extra line, already checked
    extractor: Extractor | None = None
    info: InfoWriter | None = None
    topics: TopicPicker | None = None  # what talk asks about
    notices: Notices | None = None  # what went wrong with the model this turn, told to the player
    player_rolls: bool = False  # pause the turn until the player rolls
    player_choices: bool = False  # pause the turn for the player to pick between close readings
    _writers: dict[str, FactWriter] = field(default_factory=dict)
    _worlds: dict[int, World] = field(default_factory=dict)  # this run's working worlds by events applied

    def forget(self) -> None:
        """Drop the cached working worlds: called before each run, so a new or resumed turn starts from SQL."""
        self._worlds.clear()

    def world(self, state: TurnState, upto: int | None = None) -> World:
        """The stored world with this turn's events so far applied (the first ``upto`` of them): a copy.

        Within one run the events only grow, so the world after ``n`` of them is cached and the next node
        applies just the events added since, instead of reloading from SQL and replaying the whole turn.
        """
        events = state.get("events", [])
        upto = len(events) if upto is None else upto
        if upto not in self._worlds:
            done = max((n for n in self._worlds if n <= upto), default=None)
            if done is None:
                world, done = self.store.load(state["game"]), 0
                world.turn = state["number"]
            else:
                world = self._worlds[done].copy()
            for event in ev.load_events(events[done:upto]):
                world.apply(event)
            self._worlds[upto] = world
        return self._worlds[upto].copy()

    def facts(self, world: World) -> FactWriter:
        key = world.campaign.id
        if key not in self._writers:
            self._writers[key] = FactWriter(world.campaign)
        return self._writers[key]


def _intent(state: TurnState) -> Intent | None:
    data = state.get("intent")
    return Intent(**data, actor=state.get("actor")) if data else None


# --- nodes -----------------------------------------------------------------------

def interpret_node(state: TurnState, runtime: Runtime[TurnContext]) -> dict:
    ctx = runtime.context
    world = ctx.world(state)
    _recall_referents(world, state, ctx)
    if state.get("round"):
        return _interpret_round(world, state, ctx)
    actor = state.get("actor")
    found = interpret(world, state["input"], ctx.grounder, actor)
    if ctx.player_choices and found.options:
        # the words fit several things about equally well: the player picks (the turn waits, durably), declines,
        # or says something else instead
        picked = interrupt({"type": "choice", "turn": state["number"], "actor": actor,
                            "options": [label for label, _ in found.options]})
        found = _chosen(world, found, picked, ctx, actor)
    found = _attend(world, found, state["input"], ctx)
    if len(found.intents) > 1:  # "I nod to the guard and head upstairs": each step resolved in order, one turn
        lead = world.lead()
        me = actor or (lead.key if lead else None)
        entries = [{"actor": me, "text": state["input"], "intent": i.model_dump(mode="json", exclude={"actor"}),
                    "reason": None} for i in found.intents]
        return {"kind": "round", "round": entries, "intent": None, "via": found.via, "reason": None, "ok": True}
    intent = found.intent.model_dump(mode="json", exclude={"actor"}) if found.intent else None
    return {"kind": found.kind, "intent": intent, "argument": found.argument, "via": found.via,
            "reason": found.clarification, "ok": found.kind != "clarify"}


def _attend(world: World, found: Interpretation, text: str, ctx: TurnContext) -> Interpretation:
    """A talk intent learns what its words ask about (``topic``), a constrained choice among the listener's own."""
    if ctx.topics is not None:
        if found.intent is not None:
            found.intent = ctx.topics.attend(world, found.intent, text)
        found.intents = [ctx.topics.attend(world, step, text) for step in found.intents]
    return found


DECLINE = {"no", "n", "nope", "neither", "none", "nothing", "cancel", "never mind", "nevermind", "forget it",
           "none of them", "neither of them", "no thanks"}


def _chosen(world: World, found: Interpretation, picked: object, ctx: TurnContext, actor: str | None
            ) -> Interpretation:
    """The answer to "Did you mean": an option's number, a refusal ("no", "neither"), or a new action."""
    text = " ".join(str(picked).split()).strip(" .!").lower() if isinstance(picked, str) else None
    if text is not None and text.isdigit():
        picked, text = int(text) - 1, None
    if isinstance(picked, int) and 0 <= picked < len(found.options):
        return Interpretation("action", intent=found.options[picked][1], via="player")
    if text in DECLINE or text == "":
        return Interpretation("clarify", clarification="All right. What do you do instead?", via="player")
    if text is not None:
        labels = [label.lower() for label, _ in found.options]
        if text in labels:
            return Interpretation("action", intent=found.options[labels.index(text)][1], via="player")
        return interpret(world, str(picked), ctx.grounder, actor)  # they said what they do instead
    return Interpretation("action", intent=found.options[0][1], via="player")


def _recall_referents(world: World, state: TurnState, ctx: TurnContext) -> None:
    """What "it" or "her" means: what the last few stored turns were about (the stored world doesn't keep it)."""
    if world.referents or state["number"] <= 1:
        return
    for turn in ctx.store.turns(state["game"], since=max(0, state["number"] - 1 - RECALLED_TURNS)):
        world.note_referents(ev.load_events(turn.events))


def _interpret_round(world: World, state: TurnState, ctx: TurnContext) -> dict:
    """Each player's words in a round become an intent (or a reason it cannot be one), grounded for that player."""
    entries = []
    for action in state["round"]:
        if action.get("intent") is not None:  # already interpreted (a line with several actions)
            entries.append(action)
            continue
        found = _attend(world, interpret(world, action["text"], ctx.grounder, action.get("actor")), action["text"], ctx)
        reason = found.clarification if found.kind == "clarify" else (
            None if found.kind == "action" else "Do that on its own turn.")
        steps = found.intents or ([found.intent] if found.intent else [])
        if reason is not None or not steps:
            entries.append({**action, "intent": None, "reason": reason})
        for step in steps if reason is None else []:
            entries.append({**action, "intent": step.model_dump(mode="json", exclude={"actor"}), "reason": None})
    return {"kind": "round", "round": entries, "intent": None, "via": "round", "reason": None,
            "ok": any(e["intent"] for e in entries)}


def _adjudicate_round(world: World, state: TurnState, dice: Dice) -> dict:
    """Resolve the round's actions in the order they arrived, on one working world."""
    events: list[ev.Event] = []
    reasons = []
    for entry in state["round"]:
        who = world.characters[entry["actor"]].name if entry["actor"] in world.characters else entry["actor"]
        if entry["intent"] is None:
            reasons.append(f"{who}: {entry['reason']}")
            continue
        outcome = resolve(world, Intent(**entry["intent"], actor=entry["actor"]), dice)
        events += outcome.events
        if not outcome.ok:
            reasons.append(f"{who}: {outcome.reason}")
    return {"events": ev.dump_events(events), "rolls": [r.as_dict() for r in dice.log],
            "reason": "\n".join(reasons) or None, "ok": bool(events) or not reasons}


def adjudicate_node(state: TurnState, runtime: Runtime[TurnContext]) -> dict:
    ctx, kind = runtime.context, state["kind"]
    world = ctx.world(state)
    dice = Dice(world.seed, state["number"])
    if kind == "round":
        return _adjudicate_round(world, state, dice)
    if kind == "roll":
        # a free roll changes nothing and is not stored, so it is not seeded by the turn: rolling twice between
        # two turns must not give the same number twice
        dice = Dice(secrets.randbits(31), state["number"])
        try:
            roll = dice.roll(state["argument"] or "1d20", who=state.get("actor"), purpose="free roll")
        except DiceError as exc:
            return {"ok": False, "reason": str(exc)}
        return {"rolls": [roll.as_dict()]}
    if kind == "event":
        key, name, appearance = entity_from_event(world, state["argument"] or "", ctx.extractor)
        added = ev.EntityAdded(id=key, name=name, appearance=appearance, location=world.party_location)
        return {"events": ev.dump_events([added])}
    if kind == "join":
        joined = new_character(world, state["argument"] or "")
        if joined is None:
            return {"ok": False, "reason": "That name is already taken in this game."}
        return {"events": ev.dump_events([joined])}
    intent = _intent(state)
    assert intent is not None
    outcome = resolve(world, intent, dice)  # deterministic: re-running after a resume gives the same outcome
    if ctx.player_rolls and outcome.ok and intent.action in ROLLED_ACTIONS:
        interrupt({"type": "roll", "turn": state["number"], "actor": state.get("actor"),
                   "action": intent.action.value, "target": intent.target})
    return {"ok": outcome.ok, "reason": outcome.reason, "events": ev.dump_events(outcome.events),
            "rolls": [r.as_dict() for r in outcome.rolls]}


DEFAULT_LOOK = "traveller in a hooded grey cloak, sturdy boots, a satchel over one shoulder"


def new_character(world: World, argument: str) -> ev.CharacterJoined | None:
    """A new pc for a player who joins: ``/join Riku | tall man in a red scarf``. Stats follow the first pc's."""
    name, _, appearance = (part.strip() for part in argument.partition("|"))
    name = " ".join(name.split())[:40] or "Traveller"
    key = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "traveller"
    taken = {c.name.lower() for c in world.characters.values()}
    if key in world.characters or key in world.items or name.lower() in taken:
        return None
    template = next((c for c in world.characters.values() if c.kind.value == "pc"), None)
    stats = dict(template.stats) if template else {s: 1 for s in world.campaign.rules.stats}
    return ev.CharacterJoined(id=key, name=name, appearance=appearance[:300] or DEFAULT_LOOK, stats=stats,
                              hp=template.max_hp if template else 10)


def check_node(state: TurnState, runtime: Runtime[TurnContext]) -> dict:
    """Check that the world with the action's outcome applied is sound before going on."""
    world = runtime.context.world(state)
    broken = violations(world)
    if broken:
        raise RuntimeError(f"the rules produced an unsound world in turn {state['number']}: {broken}")
    return {}


def advance_node(state: TurnState, runtime: Runtime[TurnContext]) -> dict:
    """The world's own move after a successful action: quests, enemies, time."""
    world = runtime.context.world(state)
    dice = Dice(world.seed, state["number"], start=len(state.get("rolls", [])))
    actor = state.get("actor") or next((c.key for c in world.pcs() if c.alive), None)
    outcome = advance_world(world, dice, _intent(state), actor)
    return {"events": ev.dump_events(outcome.events), "rolls": [r.as_dict() for r in outcome.rolls]}


def narrate_node(state: TurnState, runtime: Runtime[TurnContext]) -> dict:
    ctx = runtime.context
    write = get_stream_writer()
    world = ctx.world(state)
    events = ev.load_events(state.get("events", []))
    lines = _roll_lines(world, state) + ctx.facts(world).lines(world, events)
    if state["kind"] == "info":
        lines = [ctx.info(world, state["argument"] or "") if ctx.info else HELP]
    elif state.get("reason"):
        lines.insert(0, state["reason"])
    elif not lines and state["kind"] == "action":
        lines = [ctx.facts(world).scene(world)]  # looking around (or a quiet turn): the place as it is
    text = "\n".join(lines)
    write({"narration": text + "\n"})
    if ctx.flavor is not None and state.get("ok") and state["kind"] == "action":
        extra = ""
        for chunk in ctx.flavor(world, events, lines):
            extra += chunk
            write({"narration": chunk})
        if extra.strip():
            text += "\n" + extra.strip()
    for notice in ctx.notices.drain() if ctx.notices is not None else []:
        write({"narration": notice + "\n"})
        text += "\n" + notice
    return {"narration": text}


def _roll_lines(world: World, state: TurnState) -> list[str]:
    name = namer(world)
    out = []
    for roll in state.get("rolls", []):
        if roll["purpose"] in ("initiative", "choose a target"):
            continue
        who = name(roll["who"]) + " " if roll.get("who") else ""
        against = f" vs DC {roll['dc']}: {'success' if roll['success'] else 'failure'}" if roll["dc"] is not None else ""
        out.append(f"🎲 {who}{roll['purpose']}: {roll['expr']} = {roll['total']}{against}")
    return out


def direct_node(state: TurnState, runtime: Runtime[TurnContext]) -> dict:
    ctx = runtime.context
    if ctx.planner is None:
        return {"plans": []}
    before = ctx.world(state, upto=0)
    previous = ctx.store.last_plan(state["game"])
    return {"plans": ctx.planner(before, ev.load_events(state.get("events", [])), state["number"], previous)}


def commit_node(state: TurnState, runtime: Runtime[TurnContext]) -> dict:
    store = runtime.context.store
    world = runtime.context.world(state)
    if store.turn(state["game"]) >= state["number"]:
        return {}  # resumed after a crash that came after the commit: already stored
    store.commit_turn(state["game"], world, TurnRecord(
        number=state["number"], input=state["input"], ok=bool(state.get("ok")), narration=state.get("narration", ""),
        actor=state.get("actor"), intent=state.get("intent"), rolls=state.get("rolls", []),
        events=state.get("events", []), plans=state.get("plans", [])))
    return {}


# --- routing ---------------------------------------------------------------------

def after_interpret(state: TurnState) -> str:
    return "narrate" if state["kind"] in ("info", "clarify") else "adjudicate"


def after_adjudicate(state: TurnState) -> str:
    return "narrate" if state["kind"] == "roll" else "check"


def after_check(state: TurnState) -> str:
    return "advance" if state.get("ok") and state["kind"] in ("action", "round") else "narrate"


def after_narrate(state: TurnState) -> str:
    return END if state["kind"] in NOT_A_TURN else "direct"


def build_graph(checkpointer=None):
    graph = StateGraph(TurnState, context_schema=TurnContext)
    for name, node in [("interpret", interpret_node), ("adjudicate", adjudicate_node), ("check", check_node),
                       ("advance", advance_node), ("narrate", narrate_node), ("direct", direct_node),
                       ("commit", commit_node)]:
        graph.add_node(name, node)
    graph.add_edge(START, "interpret")
    graph.add_conditional_edges("interpret", after_interpret, ["adjudicate", "narrate"])
    graph.add_conditional_edges("adjudicate", after_adjudicate, ["check", "narrate"])
    graph.add_conditional_edges("check", after_check, ["advance", "narrate"])
    graph.add_edge("advance", "narrate")
    graph.add_conditional_edges("narrate", after_narrate, ["direct", END])
    graph.add_edge("direct", "commit")
    graph.add_edge("commit", END)
    return graph.compile(checkpointer=checkpointer)
