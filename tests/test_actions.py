"""The action registry and the condition language: each concept has one home that every consumer reads."""

from __future__ import annotations

from conftest import CAMPAIGNS
from gm.actions import ACTIONS, REGISTRY, resolve, usage_lines
from gm.agent.commands import parse_command
from gm.agent.interpret import HELP
from gm.campaign import load_campaign
from gm.campaign.conditions import CONDITIONS, AllOf, AnyOf, At, Check, Defeated, Gave, Learned
from gm.intent import Action, Intent
from gm.rules.dice import Dice
from gm.state.world import World


def _world() -> World:
    return World.new(load_campaign(CAMPAIGNS / "lantern-of-mirefen.yaml"), seed=3)


def test_every_action_has_one_spec_and_help_reads_the_registry():
    assert set(REGISTRY) == set(Action) and len(ACTIONS) == len(Action)
    for usage in usage_lines():
        assert usage in HELP


def test_each_specs_verbs_parse_to_its_own_action():
    world = _world()
    for spec in ACTIONS:
        for verb in spec.verbs:
            intent = parse_command(world, verb)
            assert intent is None or intent.action is spec.action or verb in ("l",), verb


def test_resolve_dispatches_through_the_registry():
    world = _world()
    outcome = resolve(world, Intent(action=Action.move, target="nowhere"), Dice(0, 1))
    assert not outcome.ok and "Exits:" in outcome.reason and not outcome.events


def test_every_condition_class_owns_its_key_and_schema():
    for cls in CONDITIONS:
        assert [f.alias or name for name, f in cls.model_fields.items()][0] == cls.key, cls


def test_conditions_validate_and_evaluate_themselves():
    campaign = load_campaign(CAMPAIGNS / "lantern-of-mirefen.yaml")
    world = World.new(campaign, seed=1)
    here = world.party_location
    assert At(at=here).holds(world) and not At(at="nowhere").holds(world)
    assert list(At(at="nowhere").problems(campaign, ("q",))) == [(("q", "at"), "unknown location 'nowhere'")]
    assert not Learned(learned="no-such-fact").holds(world)
    assert [p for p, _ in Gave.model_validate({"gave": {"item": "x", "to": "y"}}).problems(campaign, ())] == [
        ("gave", "item"), ("gave", "to")]
    nested = AnyOf.model_validate({"any": [{"at": "nowhere"}, {"all": [{"defeated": "nobody"}]}]})
    assert [p for p, _ in nested.problems(campaign, ("c",))] == [("c", "any", 0, "at"),
                                                                  ("c", "any", 1, "all", 0, "defeated")]
    assert nested.can_ever_hold(campaign, checks_allowed=False) is True  # a defeat can happen
    only_luck = AllOf.model_validate({"all": [{"at": here}, {"check": "wits", "dc": 10}]})
    assert only_luck.can_ever_hold(campaign, checks_allowed=False) is False
    assert isinstance(nested.any[1], AllOf) and isinstance(nested.any[1].all[0], Defeated)
    check = Check(check="wits", dc="easy")
    assert check.holds(world) is False  # passive evaluation never rolls
    assert check.can_ever_hold(campaign, checks_allowed=False) is False
    dice = Dice(1, 1)
    check.holds(world, dice)
    assert len(dice.log) == 1 and dice.log[0].dc == 8
