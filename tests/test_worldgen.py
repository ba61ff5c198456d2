"""Segment plans and their continuity rules, over real play through the game API."""

from __future__ import annotations

import pytest

from gm.game import Game
from gm.runtime import make_planner
from gm.settings import Settings
from gm.game import Components
from worldgen.plan import BLEND_FRAMES, SegmentPlan, idle_plan
from playthrough import play_neon


@pytest.fixture
def neon_game(neon_path, saves):
    game = Game.create(neon_path, saves, seed=2, components=Components(planner=make_planner(Settings())))
    yield game
    game.close()


def _plans(result) -> list[SegmentPlan]:
    return [SegmentPlan.model_validate(p) for p in result.plans]


def test_every_present_entity_is_in_every_plan_with_fixed_appearance(neon_game):
    appearances: dict[str, str] = {}

    def check(result) -> None:
        plans = _plans(result)
        assert plans, result.input
        scene = neon_game.scene()
        last = plans[-1]
        assert last.location == scene.location
        assert [e.id for e in last.entities] == [e.id for e in scene.entities]
        for plan in plans:
            for e in plan.entities:
                assert appearances.setdefault(e.id, e.appearance) == e.appearance, f"{e.id} drifted"
                assert e.appearance in plan.prompt
        for e in last.entities:
            assert e.pose == scene.entity(e.id).pose

    play_neon(neon_game, on_turn=check)


def test_changes_made_in_play_persist_in_later_plans(neon_game):
    for line in ["north", "take rice ball", "south", "east", "give rice ball to hachi"]:
        neon_game.act(line)
    robot = neon_game.act("/event A giant red robot stomps onto the road")
    assert "giant-red-robot" in [e.id for e in _plans(robot)[-1].entities]
    for line in ["west", "look", "east", "look"]:
        plan = _plans(neon_game.act(line))[-1]
        assert "hachi" in [e.id for e in plan.entities], "the recruited companion stays with the party"
        if plan.location == "harbor-road":
            assert "giant-red-robot" in [e.id for e in plan.entities], "the added entity stays where it was added"
        else:
            assert "giant-red-robot" not in [e.id for e in plan.entities]


def test_pose_and_wounds_persist_until_play_changes_them(neon_game):
    neon_game.act("north")
    talk = _plans(neon_game.act("talk to kenji"))[-1]
    assert talk.entities[0].id == "aya" and talk.entities[0].pose == "talking"
    look = _plans(neon_game.act("look"))[-1]
    assert look.entities[0].pose == "talking"
    for line in ["south", "east", "east"]:
        neon_game.act(line)
    for _ in range(4):
        plan = _plans(neon_game.act("attack leviathan"))[-1]
    world = neon_game.world()
    if plan.location == "harbor":
        lev = next(e for e in plan.entities if e.id == "leviathan")
        assert lev.hp == pytest.approx(world.characters["leviathan"].hp / 30)


def test_returning_shows_the_location_as_it_was_left(neon_game):
    neon_game.act("north")
    neon_game.act("take rice ball")
    left = _plans(neon_game.act("look"))[-1]
    neon_game.act("south")
    back = _plans(neon_game.act("north"))[-1]
    assert back.seed == left.seed and back.backdrop == left.backdrop
    others = lambda p: [(e.id, e.appearance, e.pose) for e in p.entities if e.id != "aya"]
    assert others(back) == others(left)
    assert "rice-ball" not in [e.id for e in back.entities], "the taken item stays taken"


def test_prompt_changes_blend_except_on_location_change(neon_game):
    previous = None
    for result in play_neon(neon_game)[:15]:
        for plan in _plans(result):
            if previous is not None:
                assert plan.continuity == previous.id and plan.transition.from_plan == previous.id
                if plan.location == previous.location:
                    assert plan.transition.kind == "blend" and plan.transition.frames >= BLEND_FRAMES
                else:
                    assert plan.transition.kind == "cut"
            previous = plan


def test_idle_plan_keeps_the_state(neon_game):
    neon_game.act("north")
    plan = _plans(neon_game.act("talk to kenji"))[-1]
    idle = idle_plan(plan, 1)
    assert idle.location == plan.location and idle.idle
    assert [(e.id, e.appearance, e.pose) for e in idle.entities] == [(e.id, e.appearance, e.pose) for e in plan.entities]
    assert all(e.speech is None for e in idle.entities)
