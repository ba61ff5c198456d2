"""The game API: the one entry point the CLI, the web viewer and the bot adapt.

A :class:`Game` is one save: its SQL state, its turn graph with a durable
checkpointer (so a turn waiting on a player, or cut off by a crash, resumes
in any later process), and the components that interpret, narrate and direct.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.types import Command

from gm.agent.conversation import TopicPicker
from gm.agent.graph import Flavor, Notices, Planner, TurnContext, build_graph
from gm.agent.director import Extractor
from gm.agent.interpret import HELP, Grounder
from gm.agent.narrate import namer
from gm.campaign.loader import load_campaign
from gm.state.db import sqlite_url
from gm.state.scene import SceneGraph
from gm.state.store import Store, TurnConflict
from gm.state.world import World

TextSink = Callable[[str], None]
# every key a turn sets: one thread holds all of a game's turns, so a new turn must clear the last one's values
FRESH_TURN = {"kind": "action", "intent": None, "argument": None, "via": "command", "ok": False, "reason": None,
              "events": [], "rolls": [], "narration": "", "plans": [], "round": None}


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

    def trace(self) -> dict:
        """The scripted-play JSON object for this turn."""
        intent = self.intent or {}
        return {"type": "turn", "turn": self.number, "input": self.input, "ok": self.ok,
                "intent": {"action": intent.get("action"), "target": intent.get("target"),
                           "item": intent.get("item"), "skill": intent.get("skill")} if self.intent else
                {"action": None, "target": None},
                "via": self.via,
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
        conn = sqlite3.connect(self.folder / "checkpoints.sqlite", check_same_thread=False)
        # WAL without a sync per step: a checkpoint survives the process dying (what resuming needs)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        self._saver = SqliteSaver(conn)
        self._graph = build_graph(self._saver)
        self._lock = threading.Lock()
        self._config = {"configurable": {"thread_id": self.name}}
        c = self.components
        self._context = TurnContext(store=self.store, grounder=c.grounder, planner=c.planner, flavor=c.flavor,
                                    extractor=c.extractor, info=info_text, topics=c.topics, notices=c.notices,
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
        return cls(Store(url), name, folder, **kwargs)

    def close(self) -> None:
        self._saver.conn.close()
        self.store.close()

    # --- reading ---------------------------------------------------------------

    def world(self) -> World:
        return self.store.load(self.name)

    def scene(self) -> SceneGraph:
        return SceneGraph.of(self.world())

    def pending(self) -> dict | None:
        """What an unfinished turn waits for: an interrupt's payload, or {'type': 'resume'} after a crash."""
        snapshot = self._graph.get_state(self._config)
        if not snapshot.next:
            return None
        for task in snapshot.tasks:
            for intr in task.interrupts:
                return dict(intr.value)
        return {"type": "resume", "turn": snapshot.values.get("number"), "next": list(snapshot.next)}

    # --- playing ---------------------------------------------------------------

    def act(self, text: str, actor: str | None = None, on_text: TextSink | None = None) -> TurnResult:
        """Play one input. Raises RuntimeError if an earlier turn is still unfinished (see resume)."""
        return self._play({"input": text, "actor": actor}, on_text)

    def act_round(self, actions: list[tuple[str, str]], on_text: TextSink | None = None) -> TurnResult:
        """Several players' actions (character, words), resolved together as one turn, in order."""
        world = self.world()
        label = " / ".join(f"{world.characters[a].name if a in world.characters else a}: {t}" for a, t in actions)
        return self._play({"input": label, "actor": None, "round": [{"actor": a, "text": t} for a, t in actions]},
                          on_text)

    def _play(self, turn: dict, on_text: TextSink | None) -> TurnResult:
        with self._lock:
            if self.pending() is not None:
                raise RuntimeError("an earlier turn is unfinished; resume it first")
            for attempt in range(3):
                number = self.store.load(self.name).turn + 1
                state = {**FRESH_TURN, "game": self.name, "number": number, **turn}
                try:
                    return self._run(state, on_text)
                except TurnConflict:
                    # another writer stored this turn number first: drop the stale run and play it again
                    self._saver.delete_thread(self.name)
                    if attempt == 2:
                        raise
            raise AssertionError("unreachable")

    def resume(self, value: object = None, on_text: TextSink | None = None) -> TurnResult | None:
        """Finish an unfinished turn: answer its interrupt with ``value``, or re-run it after a crash."""
        with self._lock:
            pending = self.pending()
            if pending is None:
                return None
            command = Command(resume=value) if pending["type"] != "resume" else None
            return self._run(command, on_text)

    def _run(self, graph_input, on_text: TextSink | None) -> TurnResult:
        for mode, chunk in self._graph.stream(graph_input, self._config, context=self._context,
                                              stream_mode=["custom", "values"], durability="sync"):
            if mode == "custom" and on_text is not None and "narration" in chunk:
                on_text(chunk["narration"])
        snapshot = self._graph.get_state(self._config)
        values = snapshot.values
        return TurnResult(number=values["number"], input=values["input"], ok=bool(values.get("ok")),
                          kind=values.get("kind", "action"), intent=values.get("intent"),
                          rolls=values.get("rolls", []), events=values.get("events", []),
                          narration=values.get("narration", ""), plans=values.get("plans", []),
                          waiting=self.pending(), via=values.get("via", "command"))

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
            "facts": sorted(world.facts),
            "entities": [{"id": e.key, "name": e.name, "location": e.location, "appearance": e.appearance}
                         for e in world.entities.values()],
        }


def info_text(world: World, command: str) -> str:
    """/status, /party, /quests as plain text."""
    name = namer(world)
    if command in ("status", "party"):
        lines = [f"At {name(world.party_location)}." + (" In combat!" if world.combat else "")]
        for ch in world.party():
            items = ", ".join(i.name for i in world.inventory(ch.key)) or "nothing"
            skills = ", ".join(name(s) for c, s in sorted(world.skills) if c == ch.key) or "none"
            lines.append(f"{ch.name}: {ch.hp}/{ch.max_hp} hp, {ch.pose}; carrying {items}; skills: {skills}")
        exits = world.campaign.locations[world.party_location].exits
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
    return HELP
