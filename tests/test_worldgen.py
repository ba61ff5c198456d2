"""Segment plans and their continuity rules, over real play through the game API."""

from __future__ import annotations

import pytest

from gm.game import Game
from gm.runtime import make_planner
from gm.settings import Settings
from gm.game import Components
from worldgen.plan import BLEND_FRAMES, SegmentPlan, idle_plan
from playthrough import play_mirefen


@pytest.fixture
def game(mirefen_path, saves):
    game = Game.create(mirefen_path, saves, seed=2, components=Components(planner=make_planner(Settings())))
    yield game
    game.close()


def _plans(result) -> list[SegmentPlan]:
    return [SegmentPlan.model_validate(p) for p in result.plans]


def test_every_present_entity_is_in_every_plan_with_fixed_appearance(game):
    appearances: dict[str, str] = {}

    def check(result) -> None:
        plans = _plans(result)
        assert plans, result.input
        scene = game.scene()
        last = plans[-1]
        assert last.location == scene.location
        assert [e.id for e in last.entities] == [e.id for e in scene.entities]
        for plan in plans:
            for e in plan.entities:
                assert appearances.setdefault(e.id, e.appearance) == e.appearance, f"{e.id} drifted"
                assert e.appearance in plan.prompt
        for e in last.entities:
            assert e.pose == scene.entity(e.id).pose

    play_mirefen(game, on_turn=check)


def test_changes_made_in_play_persist_in_later_plans(game):
    for line in ["north", "take smoked fish", "south", "east", "give smoked fish to bramble"]:
        game.act(line)
    robot = game.act("/event A giant red robot stomps onto the boardwalk")
    assert "giant-red-robot" in [e.id for e in _plans(robot)[-1].entities]
    for line in ["west", "look", "east", "look"]:
        plan = _plans(game.act(line))[-1]
        assert "bramble" in [e.id for e in plan.entities], "the recruited companion stays with the party"
        if plan.location == "reed-path":
            assert "giant-red-robot" in [e.id for e in plan.entities], "the added entity stays where it was added"
        else:
            assert "giant-red-robot" not in [e.id for e in plan.entities]


def test_pose_and_wounds_persist_until_play_changes_them(game):
    talk = _plans(game.act("talk to tomas"))[-1]
    assert talk.entities[0].id == "wren" and talk.entities[0].pose == "talking"
    look = _plans(game.act("look"))[-1]
    assert look.entities[0].pose == "talking"
    for line in ["east", "east"]:
        game.act(line)
    for _ in range(4):
        plan = _plans(game.act("attack bog troll"))[-1]
    world = game.world()
    if plan.location == "sunken-chapel":
        troll = next(e for e in plan.entities if e.id == "bog-troll")
        assert troll.hp == pytest.approx(world.characters["bog-troll"].hp / 28)


def test_returning_shows_the_location_as_it_was_left(game):
    game.act("north")
    game.act("take smoked fish")
    left = _plans(game.act("look"))[-1]
    game.act("south")
    back = _plans(game.act("north"))[-1]
    assert back.seed == left.seed and back.backdrop == left.backdrop
    others = lambda p: [(e.id, e.appearance, e.pose) for e in p.entities if e.id != "wren"]
    assert others(back) == others(left)
    assert "smoked-fish" not in [e.id for e in back.entities], "the taken item stays taken"


def test_prompt_changes_blend_except_on_location_change(game):
    previous = None
    for result in play_mirefen(game)[:15]:
        for plan in _plans(result):
            if previous is not None:
                assert plan.continuity == previous.id and plan.transition.from_plan == previous.id
                if plan.location == previous.location:
                    assert plan.transition.kind == "blend" and plan.transition.frames >= BLEND_FRAMES
                else:
                    assert plan.transition.kind == "cut"
            previous = plan


def test_idle_plan_keeps_the_state(game):
    plan = _plans(game.act("talk to tomas"))[-1]
    idle = idle_plan(plan, 1)
    assert idle.location == plan.location and idle.idle
    assert [(e.id, e.appearance, e.pose) for e in idle.entities] == [(e.id, e.appearance, e.pose) for e in plan.entities]
    assert all(e.speech is None for e in idle.entities)
