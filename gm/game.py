"""The game API: the one entry point the CLI, the web viewer and the bot adapt.

A :class:`Game` is one save: its SQL state, its turn graph with a durable
checkpointer (so a turn waiting on a player, or cut off by a crash, resumes
in any later process), and the components that interpret, narrate and direct.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from langgraph.types import Command, StateSnapshot
from sqlalchemy.engine import make_url

from gm.agent.conversation import TopicPicker
from gm.agent.director import Extractor
from gm.agent.graph import NOT_A_TURN, Flavor, Notices, Planner, TurnContext, build_graph
from gm.agent.interpret import HELP, Grounder
from gm.agent.narrate import namer, scene_hints
from gm.campaign.loader import load_campaign
from gm.state.checkpoints import open_checkpointer
from gm.state.db import sqlite_url
from gm.state.scene import SceneGraph
from gm.state.store import SaveBusy, Store, TurnRecord, WaitingAction
from gm.state.world import World

TextSink = Callable[[str], None]


class TurnError(RuntimeError):
    """A turn that was not played, or not finished; ``str()`` is a message for the player."""


class TurnWaiting(TurnError):
    """An earlier turn waits for a player (a roll, a choice): answer it with ``resume`` first."""


class TurnBusy(TurnError):
    """Another process kept this game busy for too long."""


class TurnFailed(TurnError):
    """A turn raised; it was undone (the game is as it was after the last stored turn) and play can go on."""

    def __init__(self, number: int, cause: BaseException):
        self.number, self.cause = number, cause
        super().__init__(f"Turn {number} failed and was undone; the game is as it was. ({type(cause).__name__}: "
                         f"{cause})")


@dataclass
class Components:
    """What turns words into intents, adds flavor and plans video. All optional."""

    grounder: Grounder | None = None
    flavor: Flavor | None = None
    extractor: Extractor | None = None
    planner: Planner | None = None
    topics: TopicPicker | None = None
    notices: Notices | None = None


@dataclass
class TurnResult:
    number: int
    input: str
    ok: bool
    kind: str
    intent: dict | None
    rolls: list[dict]
    events: list[dict]
    narration: str
    plans: list[dict]
    waiting: dict | None = None  # set when the turn waits for a player (a roll, a choice)
    via: str = "command"
    # False for answers that are not turns (/status, a free /roll) and for a turn still waiting; ``number`` is
    # then the last stored turn (for an answer) or the turn in progress (while it waits)
    stored: bool = True
    recovered: TurnResult | None = None  # a turn cut off by a crash that was finished before this one
    clip: str | None = None  # set by a PlaySession that recorded this turn's video

    def trace(self) -> dict:
        """The scripted-play JSON object for this turn."""
        intent = self.intent or {}
        return {"type": "turn", "turn": self.number, "input": self.input, "ok": self.ok,
                "intent": {"action": intent.get("action"), "target": intent.get("target"),
                           "item": intent.get("item"), "skill": intent.get("skill"),
                           # an open action's judgment: what was attempted, with which stat, how hard
                           **{k: intent[k] for k in ("approach", "stat", "dc") if intent.get(k) is not None}}
                if self.intent else
                {"action": None, "target": None},
                "via": self.via, "stored": self.stored,
                "rolls": [{k: r[k] for k in ("expr", "total", "dc", "success", "who", "purpose")} for r in self.rolls],
                "events": self.events, "narration": self.narration,
                "segments": [{"id": p["id"], "location": p["location"], "prompt": p["prompt"],
                              "entities": [{"id": e["id"], "appearance": e["appearance"], "pose": e["pose"]}
                                           for e in p["entities"]]} for p in self.plans],
                **({"waiting": self.waiting} if self.waiting else {})}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "game"


@dataclass
class Game:
    store: Store
    name: str
    folder: Path
    components: Components = field(default_factory=Components)
    player_rolls: bool = False
    player_choices: bool = False

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._saver, self._close_saver = open_checkpointer(self.store.url, self.folder)
        self._graph = build_graph(self._saver)
        # the last stored turn's thread, left behind if a process died between storing the turn and deleting it
        self._discard(self.store.turn(self.name))
        self._lock = threading.Lock()  # this process's threads; other processes wait on the store's turn lock
        c = self.components
        self._context = TurnContext(store=self.store, grounder=c.grounder, planner=c.planner, flavor=c.flavor,
                                    extractor=c.extractor, info=info_text, topics=c.topics or _topics_for(c.grounder),
                                    notices=c.notices,
                                    player_rolls=self.player_rolls,
                                    player_choices=self.player_choices)

    # --- opening ---------------------------------------------------------------

    @classmethod
    def create(cls, campaign_path: str | Path, saves_dir: Path, name: str | None = None, seed: int = 0,
               database_url: str | None = None, owner: str | None = None, **kwargs) -> Game:
        campaign = load_campaign(campaign_path)
        source = Path(campaign_path).read_text(encoding="utf-8")
        name = slug(name or campaign.id)
        folder = saves_dir / name
        store = Store(database_url or sqlite_url(folder / "game.sqlite"))
        store.create_game(campaign, source, name, seed=seed, owner=owner)
        return cls(store, name, folder, **kwargs)

    @classmethod
    def open(cls, name: str, saves_dir: Path, database_url: str | None = None, **kwargs) -> Game:
        folder = saves_dir / name
        url = database_url or sqlite_url(folder / "game.sqlite")
        if database_url is None and not (folder / "game.sqlite").exists():
            raise FileNotFoundError(f"no saved game named {name!r} in {saves_dir}")
        store = Store(url)
        if not store.exists(name):
            store.close()
            raise FileNotFoundError(f"no saved game named {name!r} in {make_url(url).render_as_string()}")
        return cls(store, name, folder, **kwargs)

    def close(self) -> None:
        self._close_saver()
        self.store.close()

    def delete(self) -> None:
        """End the game for good: its state, its turn log and its players are deleted."""
        with self._lock:
            number = self.store.turn(self.name) + 1
            self._discard(number)
            self.store.delete_game(self.name)
        self.close()

    # --- reading ---------------------------------------------------------------

    def world(self) -> World:
        return self.store.load(self.name)

    def scene(self) -> SceneGraph:
        return SceneGraph.of(self.world())

    def opening_scene(self) -> str:
        """Where the story starts: the place, who and what is there (the opening sets the scene)."""
        world = self.world()
        return self._context.facts(world).scene(world)

    def log(self, since: int = 0) -> list[TurnRecord]:
        """The stored turns after turn ``since``, in order."""
        return self.store.turns(self.name, since=since)

    def last_plan(self) -> dict | None:
        """The last segment plan shown, so video opened on this game continues from it."""
        return self.store.last_plan(self.name)

    def owner(self) -> str | None:
        return self.store.owner(self.name)

    def players(self) -> dict[str, str]:
        """Who plays whom: external player id (a Discord user) -> character key."""
        return self.store.players(self.name)

    def add_player(self, external_id: str, display_name: str, character: str) -> None:
        """Let a player play ``character``; ValueError if someone else already does."""
        self.store.add_player(self.name, external_id, display_name, character)

    def paused(self) -> bool:
        return self.store.paused(self.name)

    def set_paused(self, paused: bool) -> None:
        self.store.set_paused(self.name, paused)

    def pending(self) -> dict | None:
        """What an unfinished turn waits for: an interrupt's payload, or {'type': 'resume'} after a crash."""
        return self._pending(self.store.turn(self.name) + 1)

    def _thread(self, number: int) -> dict:
        # one checkpoint thread per turn: a turn starts from nothing, and a stored turn's thread can go
        return {"configurable": {"thread_id": f"{self.name}:{number}"}}

    def _pending(self, number: int, snapshot: StateSnapshot | None = None) -> dict | None:
        snapshot = snapshot or self._graph.get_state(self._thread(number))
        if not snapshot.next:
            return None
        for task in snapshot.tasks:
            for intr in task.interrupts:
                return dict(intr.value)
        return {"type": "resume", "turn": number, "next": list(snapshot.next)}

    # --- playing ---------------------------------------------------------------
    #
    # Every graph run happens inside ``_turn``: this process's lock and the store's turn lock, which other
    # processes playing the same game wait on. So "which turn is next, is one unfinished, play it, store it"
    # is one step for everyone, and a turn reported to a player is always a stored turn.

    def act(self, text: str, actor: str | None = None, on_text: TextSink | None = None) -> TurnResult:
        """Play one input as the next turn.

        A turn cut off by a crash (in any process) is finished first and returned as ``recovered``. Raises
        TurnWaiting while an earlier turn waits for a player, TurnFailed when the turn raised (it is undone),
        TurnBusy when another process holds the game too long.
        """
        return self._play({"input": text, "actor": actor}, on_text)

    def act_round(self, actions: list[tuple[str, str]], on_text: TextSink | None = None) -> TurnResult:
        """Several players' actions (character, words), resolved together as one turn, in order."""
        world = self.world()
        label = " / ".join(f"{world.characters[a].name if a in world.characters else a}: {t}" for a, t in actions)
        return self._play({"input": label, "actor": None, "round": [{"actor": a, "text": t} for a, t in actions]},
                          on_text)

    def recover(self, on_text: TextSink | None = None) -> TurnResult | None:
        """Finish a turn cut off by a crash, if there is one (not one waiting for a player)."""
        with self._turn() as number:
            return self._recover(number, on_text)

    def resume(self, value: object = None, on_text: TextSink | None = None) -> TurnResult | None:
        """Finish an unfinished turn: answer its interrupt with ``value``, or re-run it after a crash."""
        with self._turn() as number:
            pending = self._pending(number)
            if pending is None:
                return None
            return self._run(number, Command(resume=value) if pending["type"] != "resume" else None, on_text)

    @contextmanager
    def _turn(self) -> Iterator[int]:
        """Hold the game for one run of the graph; yields the number of the next turn."""
        with self._lock:
            try:
                with self.store.turn_lock(self.name):
                    yield self.store.turn(self.name) + 1
            except SaveBusy as exc:
                raise TurnBusy(str(exc)) from exc

    def _recover(self, number: int, on_text: TextSink | None) -> TurnResult | None:
        pending = self._pending(number)
        if pending is None or pending["type"] != "resume":
            return None
        return self._run(number, None, on_text)

    def _play(self, turn: dict, on_text: TextSink | None) -> TurnResult:
        with self._turn() as number:
            recovered = self._recover(number, None)
            if recovered is not None and recovered.stored:
                number += 1
            snapshot = self._graph.get_state(self._thread(number))
            pending = self._pending(number, snapshot)
            if pending is not None:
                raise TurnWaiting(f"Turn {number} waits for {pending.get('actor') or 'a player'} "
                                  f"({pending['type']}): answer it first.")
            if snapshot.values:
                self._discard(number)  # whatever a dead process left in this turn's thread: start from nothing
            result = self._run(number, {**turn, "game": self.name, "number": number}, on_text)
            result.recovered = recovered
            return result

    def _run(self, number: int, graph_input, on_text: TextSink | None) -> TurnResult:
        config = self._thread(number)
        self._context.forget()
        streamed: dict = {}
        try:
            for mode, chunk in self._graph.stream(graph_input, config, context=self._context,
                                                  stream_mode=["custom", "values"], durability="sync"):
                if mode == "custom" and on_text is not None and "narration" in chunk:
                    on_text(chunk["narration"])
                elif mode == "values":
                    streamed = chunk
        except Exception as exc:
            # a turn that fails once fails the same way on every resume: undo it rather than brick the save
            self._discard(number)
            raise TurnFailed(number, exc) from exc
        snapshot = self._graph.get_state(config)
        # the thread may already be gone (another process finished and discarded this turn): the values this run
        # streamed are the same state
        values, waiting = snapshot.values or streamed, self._pending(number, snapshot)
        if waiting is None:
            self._discard(number)  # stored (or, for an answer, nothing to store): only an unfinished turn needs it
        stored = waiting is None and values.get("kind") not in NOT_A_TURN
        return TurnResult(number=number if stored or waiting else number - 1, input=values["input"],
                          ok=bool(values.get("ok")), kind=values.get("kind", "action"), intent=values.get("intent"),
                          rolls=values.get("rolls", []), events=values.get("events", []),
                          narration=values.get("narration", ""), plans=values.get("plans", []),
                          waiting=waiting, via=values.get("via", "command"), stored=stored)

    def _discard(self, number: int) -> None:
        self._saver.delete_thread(self._thread(number)["configurable"]["thread_id"])

    # --- actions waiting for a round (kept in SQL so a round survives a restart: the Discord bot) ---------

    def add_waiting_action(self, player: str, actor: str, text: str) -> int:
        """Keep an action until its round is played; its id (ids grow in arrival order)."""
        return self.store.add_waiting_action(self.name, player, actor, text)

    def waiting_actions(self) -> list[WaitingAction]:
        return self.store.waiting_actions(self.name)

    def start_round(self, actions: list[WaitingAction], turn: int) -> None:
        """Mark the actions as being played as ``turn`` (so a restart can tell whether it was stored)."""
        self.store.start_round(self.name, [a.id for a in actions], turn)

    def clear_waiting_actions(self, actions: list[WaitingAction]) -> None:
        self.store.clear_waiting_actions(self.name, [a.id for a in actions])

    # --- the final state -------------------------------------------------------------

    def final_state(self) -> dict:
        """The scripted-play JSON object describing the whole world."""
        world = self.world()
        skills: dict[str, list[str]] = {}
        for ch, sk in sorted(world.skills):
            skills.setdefault(ch, []).append(sk)
        return {
            "type": "state",
            "turn": world.turn,
            "status": world.status,
            "party_location": world.party_location,
            "characters": {k: {"location": c.location, "hp": c.hp, "alive": c.alive,
                               "inventory": sorted(i.key for i in world.inventory(k)), "skills": skills.get(k, []),
                               "in_party": c.in_party, "pose": c.pose, "appearance": c.appearance}
                           for k, c in world.characters.items()},
            "quests": {k: {"status": q.status, "stage": world.quest_stage_id(k)} for k, q in world.quests.items()},
            "facts": world.learned_facts(),
            "revealed": sorted(f for f in world.facts if ":" in f),  # hidden features and exits found in play
            "entities": [{"id": e.key, "name": e.name, "location": e.location, "appearance": e.appearance}
                         for e in world.entities.values()],
        }


def _topics_for(grounder: Grounder | None) -> TopicPicker | None:
    """Words grounded by embeddings are also attended for what they ask (a talk intent's topic), by the same model."""
    embed = getattr(grounder, "embed", None)
    return TopicPicker(embed) if embed is not None else None


def info_text(world: World, command: str) -> str:
    """/status, /party, /quests as plain text."""
    name = namer(world)
    if command in ("status", "party"):
        lines = [f"At {name(world.party_location)}." + (" In combat!" if world.combat else "")]
        for ch in world.party():
            items = ", ".join(i.name for i in world.inventory(ch.key)) or "nothing"
            skills = ", ".join(name(s) for c, s in sorted(world.skills) if c == ch.key) or "none"
            lines.append(f"{ch.name}: {ch.hp}/{ch.max_hp} hp, {ch.pose}; carrying {items}; skills: {skills}")
        exits = world.exits()
        lines.append("Exits: " + (", ".join(f"{d} ({name(t)})" for d, t in exits.items()) or "none"))
        return "\n".join(lines)
    if command == "quests":
        lines = []
        for key, q in world.quests.items():
            spec = world.campaign.quests[key]
            if q.status == "completed":
                lines.append(f"{spec.title}: complete")
            else:
                lines.append(f"{spec.title}: {spec.stages[q.stage].goal}")
        return "\n".join(lines) or "No quests."
    return "\n".join([HELP, *scene_hints(world)])  # help names this campaign's own scene, never another's
