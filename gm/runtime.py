"""Wiring: builds the components a game uses from settings.

The only module that knows which concrete model, embedder or renderer backs
each stage; the game API and its adapters take what this builds.
"""

from __future__ import annotations

from gm import events as ev
from gm.game import Components, Game
from gm.settings import Settings
from gm.state.world import World


def make_planner(settings: Settings):
    from worldgen.plan import SegmentPlan, plan_turn

    def planner(before: World, events: list[ev.Event], turn: int, previous: dict | None) -> list[dict]:
        last = SegmentPlan.model_validate(previous) if previous else None
        plans = plan_turn(before, events, turn, last, frames=settings.segment_frames, fps=settings.fps,
                          width=settings.width, height=settings.height)
        return [p.model_dump(mode="json") for p in plans]

    return planner


def build_components(settings: Settings, progress: bool = True) -> Components:
    return Components(planner=make_planner(settings))


def open_recorder(settings: Settings, game: Game):
    from worldgen.backends import load_backend
    from worldgen.recorder import SessionRecorder

    backend = load_backend(settings.world, settings.world_model)
    return TurnRecorder(SessionRecorder(backend, game.folder, settings.fps, int(settings.clip_limit_mb * 2**20)))


class TurnRecorder:
    """Adapts the session recorder to turn results (plans as stored dicts)."""

    def __init__(self, recorder):
        self.recorder = recorder

    def record_turn(self, result) -> str | None:
        from worldgen.plan import SegmentPlan

        plans = [SegmentPlan.model_validate(p) for p in result.plans]
        return self.recorder.record_turn(result.number, plans)

    def finish(self) -> str | None:
        return self.recorder.finish()

    def close(self) -> None:
        self.recorder.close()
