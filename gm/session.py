"""A play session: one game with its video outputs, shared by the terminal and the web viewer."""

from __future__ import annotations

import threading
from collections.abc import Callable

from gm.game import Game, TextSink, TurnResult
from gm.state.scene import SceneGraph


class PlaySession:
    """Plays turns on a game and sends each turn's plans to its video (clips and the live stream, from one
    world stream: see :func:`gm.runtime.open_video`)."""

    def __init__(self, game: Game, video=None):
        self.game, self.video = game, video
        self.listeners: list[Callable[[TurnResult], None]] = []
        self._lock = threading.Lock()
        self.last_clip: str | None = None

    def act(self, text: str, actor: str | None = None, on_text: TextSink | None = None) -> TurnResult:
        """Play one input (see ``Game.act``: a crashed turn is finished first and shown before it)."""
        with self._lock:
            return self._shown(self.game.act(text, actor=actor, on_text=on_text))

    def act_round(self, actions: list[tuple[str, str]]) -> TurnResult:
        """Several players' actions as one turn (the Discord bot's rounds)."""
        with self._lock:
            return self._shown(self.game.act_round(actions))

    def resume(self, value: object = None, on_text: TextSink | None = None) -> TurnResult | None:
        """Answer a waiting turn (a choice, a roll) and show what follows."""
        with self._lock:
            result = self.game.resume(value, on_text=on_text)
            return self._shown(result) if result is not None else None

    def recover(self) -> TurnResult | None:
        """Finish and show a turn the last process was cut off in, if any (on opening a game)."""
        with self._lock:
            result = self.game.recover()
            return self._shown(result) if result is not None else None

    def _shown(self, result: TurnResult) -> TurnResult:
        """Send a finished turn's plans to the live stream and the recorder, and tell the listeners."""
        if result.recovered is not None:
            self._shown(result.recovered)
        self.last_clip = None
        if result.waiting is None:
            if self.video is not None and result.plans:
                from worldgen.plan import SegmentPlan
                plans = [SegmentPlan.model_validate(p) for p in result.plans]
                self.last_clip = result.clip = self.video.show_turn(result.number, plans)
            for listener in list(self.listeners):
                listener(result)
        return result

    def state(self) -> dict:
        """What the viewer shows: scene, party, quests, exits and the narration log."""
        world = self.game.world()
        scene = SceneGraph.of(world)
        log = [{"turn": t.number, "input": t.input, "narration": t.narration, "ok": t.ok}
               for t in self.game.log(since=max(0, world.turn - 40))]
        quests = []
        for key, q in world.quests.items():
            spec = world.campaign.quests[key]
            goal = "complete" if q.status == "completed" else spec.stages[q.stage].goal
            quests.append({"id": key, "title": spec.title, "status": q.status, "goal": goal})
        return {
            "title": world.campaign.title, "turn": world.turn, "status": world.status,
            "opening": self.game.opening_scene() if world.turn == 0 else None,  # before the first turn
            "location": {"id": scene.location, "name": scene.location_name, "description": scene.description},
            "exits": [{"direction": e.direction, "to": e.name} for e in scene.exits],
            "scene": [{"id": e.id, "name": e.name, "kind": e.kind, "pose": e.pose, "hp": e.hp, "max_hp": e.max_hp,
                       "in_party": e.in_party, "hostile": e.hostile} for e in scene.entities],
            "party": [{"id": c.key, "name": c.name, "hp": c.hp, "max_hp": c.max_hp, "pose": c.pose,
                       "inventory": [i.name for i in world.inventory(c.key)]} for c in world.party()],
            "quests": quests, "log": log, "in_combat": world.combat is not None,
        }

    @property
    def broadcast(self):
        """The live fMP4 of this game's world stream, if the viewer is on."""
        return self.video.broadcast if self.video is not None else None

    def close(self) -> None:
        if self.video is not None:
            self.video.close()
