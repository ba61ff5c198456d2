"""Grounding free text (#10): never carry out what the player didn't say, and understand how players type.

These run the real embedded sentence model over the shipped campaigns. Each line states what must happen
(an intent, a sequence of intents) or that nothing may (None); an interpretation that carries out anything
else fails, so no line here can pass by doing something the words contradict.
"""

from __future__ import annotations

import pytest

from conftest import CAMPAIGNS, intent_steps
from gm import events as ev
from gm.agent.evaluate import scene_world
from gm.agent.grounding import candidates
from gm.agent.interpret import Interpretation, interpret
from gm.agent.reading import clauses, correct, read_line
from gm.campaign import load_campaign
from gm.game import Components, Game
from gm.intent import Action, Intent
from gm.state.world import World

MIREFEN, DERELICT = "lantern-of-mirefen", "derelict-signal"
HUT = [MIREFEN, ["north"]]
REEDS = [MIREFEN, ["north", "take smoked fish", "south", "east"]]
BOSS = [MIREFEN, ["north", "learn sunfire ward from maud", "south", "east", "east"]]
BAY = [DERELICT, []]


def _agrees(expected: dict, got: dict) -> bool:
    return all(got.get(k) == v for k, v in expected.items())


LINES = [
    # a named direction or place that isn't available changes nothing
    ([MIREFEN, []], "go west", None),
    ([MIREFEN, []], "I head south out of the village", None),
    ([MIREFEN, []], "walk to the village green", None),  # already there
    (BOSS, "go east", None),
    # typos and near-misses, in names, exits and verbs
    ([MIREFEN, []], "go nroth", {"action": "move", "target": "north"}),
    ([MIREFEN, []], "drop my knfie", {"action": "drop", "item": "hunting-knife"}),
    (REEDS, "recrut the wolf", {"action": "recruit", "target": "bramble"}),
    (BOSS, "atack the trol", {"action": "attack", "target": "bog-troll"}),
    # what the words contradict is not the candidate: a gift is no drop, searching is no walk
    (REEDS, "toss the smoked fish to bramble", {"action": "give", "item": "smoked-fish", "target": "bramble"}),
    ([MIREFEN, []], "search the lantern post for clues", {"action": "check", "approach": "search", "stat": "wits"}),
    (HUT, "I try to read the labels on the old jars", {"action": "check", "approach": "read"}),
    (REEDS, "I sneak up on the wolf", {"action": "check", "approach": "sneak", "stat": "grace",
                                       "target": "bramble"}),
    # climbing toward a place an exit leads to is going there; climbing something here is an attempt
    ([MIREFEN, []], "climb the muddy rise up to the old hut", {"action": "move", "target": "north"}),
    ([MIREFEN, []], "on to the reed path", {"action": "move", "target": "east"}),
    ([MIREFEN, []], "climb the lantern post", {"action": "check", "approach": "climb"}),
    # questions and remarks go to whoever is there, with the player's words
    ([MIREFEN, []], "who put out the light?", {"action": "talk", "target": "tomas",
                                               "text": "who put out the light?"}),
    # emotes and chat markdown
    ([MIREFEN, []], "*glances around the foggy green*", {"action": "look"}),
    ([MIREFEN, []], "*bows to the headman*", {"action": "talk", "target": "tomas"}),
    # social requests are the action they ask for
    (REEDS, "ask the wolf to come with me", {"action": "recruit", "target": "bramble"}),
    (HUT, "teach me", {"action": "learn", "skill": "sunfire-ward"}),
    # in a fight an attack naming no target goes to the only enemy
    (BOSS, "I loose an arrow", {"action": "attack", "target": "bog-troll"}),
    (BOSS, "*draws her knife and lunges*", {"action": "attack", "target": "bog-troll"}),
    # several actions in one line, in order
    ([MIREFEN, []], "I greet Tomas and then head north to the hut",
     [{"action": "talk", "target": "tomas"}, {"action": "move", "target": "north"}]),
    (["derelict-signal", []], "take the cell and go north",
     [{"action": "take", "item": "power-cell"}, {"action": "move", "target": "north"}]),
    # things said about the story, or to the table, are not actions
    (BOSS, "the troll is dead now", None),
    ([MIREFEN, []], "(ooc) sorry, my cat walked on the keyboard", None),
    ([MIREFEN, []], "lol", None),
    (BAY, "I cast fireball", None),
]


@pytest.mark.parametrize("scene,text,expected", LINES, ids=[line[1][:40] for line in LINES])
def test_lines_do_what_they_say_and_nothing_else(grounder, scene, text, expected):
    world = scene_world(*scene)
    found = interpret(world, text, grounder)
    got = intent_steps(found)
    if expected is None:
        assert got == [], f"{text!r} should change nothing, got {got}"
        assert found.clarification, "the player hears why"
        return
    want = expected if isinstance(expected, list) else [expected]
    assert len(got) == len(want) and all(_agrees(e, g) for e, g in zip(want, got)), f"{text!r}: {got}"


def test_no_exit_refuses_and_lists_the_exits(grounder):
    world = scene_world(MIREFEN, [])
    found = interpret(world, "go west", grounder)
    assert found.kind == "clarify"
    assert found.clarification.startswith("There's no way west from here.")
    assert "Exits: north to Old Maud's Hut, east to Reed Path." in found.clarification


def test_going_where_you_are_does_not_move(grounder, saves):
    game = Game.create(CAMPAIGNS / f"{MIREFEN}.yaml", saves, components=Components(grounder=grounder))
    before = game.world()
    result = game.act("go to the village green")
    after = game.world()
    assert after.party_location == before.party_location == "village-green"
    assert not result.ok and "already" in result.narration
    game.close()


def test_pronouns_follow_the_last_turn(grounder, saves):
    """'her' and 'it' mean what the last turn was about, restored from the stored turn after a reload."""
    game = Game.create(CAMPAIGNS / f"{MIREFEN}.yaml", saves, components=Components(grounder=grounder))
    for line in ("north", "take smoked fish", "talk to maud"):
        assert game.act(line).ok
    result = game.act("give it to her")
    assert result.intent == {**result.intent, "action": "give", "item": "smoked-fish", "target": "maud"}
    game.close()


def test_a_line_with_two_actions_is_one_turn_with_both_outcomes(grounder, saves):
    game = Game.create(CAMPAIGNS / f"{DERELICT}.yaml", saves, components=Components(grounder=grounder))
    result = game.act("grab the battery, then head north")
    world = game.world()
    assert world.turn == 1, "one turn"
    assert world.items["power-cell"].holder == "rook" and world.party_location == "medbay"
    game.close()


def test_free_text_is_grounded_for_the_acting_player(grounder):
    """In a round, the second player's words are matched against their own things, not the first pc's."""
    world = World.new(load_campaign(CAMPAIGNS / f"{DERELICT}.yaml"), seed=1)
    world.apply(ev.CharacterJoined(id="kit", name="Kit", appearance="young mechanic", stats={}, hp=10))
    world.apply(ev.Took(character="kit", item="power-cell"))
    assert intent_steps(interpret(world, "I drop the glowing cell here", grounder, actor="kit")) == [
        {"action": "drop", "item": "power-cell"}]
    drops = lambda who: [c.intent.item for c in candidates(world, who) if c.intent.action is Action.drop]
    assert "power-cell" in drops("kit") and "power-cell" not in drops("rook")
    assert "power-cell" not in [s.get("item") for s in intent_steps(interpret(world, "I drop the glowing cell here",
                                                                          grounder, actor="rook"))]


def test_solo_actor_is_the_first_of_start_party():
    campaign = load_campaign(CAMPAIGNS / f"{DERELICT}.yaml")
    world = World.new(campaign, seed=1)
    world.apply(ev.CharacterJoined(id="kit", name="Kit", appearance="young mechanic", stats={}, hp=10))
    assert world.lead().key == campaign.start.party[0]


def test_a_skill_that_does_no_harm_is_an_action_too(grounder):
    campaign = load_campaign(CAMPAIGNS / f"{MIREFEN}.yaml")
    calm = campaign.skills["sunfire-ward"].model_copy(update={"name": "Calming Hum", "damage": None,
                                                               "aliases": ["hum"]})
    world = World.new(campaign.model_copy(update={"skills": {**campaign.skills, "calming-hum": calm}}), seed=1)
    world.skills.add(("wren", "calming-hum"))
    assert intent_steps(interpret(world, "I hum the calming hum", grounder)) == [
        {"action": "use_skill", "skill": "calming-hum"}]


def test_did_you_mean_can_be_declined_or_answered_with_a_new_action(grounder):
    from gm.agent.graph import TurnContext, _chosen

    world = scene_world(MIREFEN, [])
    options = [("talk to Tomas", Intent(action=Action.talk, target="tomas")),
               ("look around", Intent(action=Action.look))]
    asked = Interpretation("action", intent=options[0][1], options=options)
    ctx = TurnContext(store=None, grounder=grounder)
    for no in ("no", "Neither.", "none of them"):
        declined = _chosen(world, asked, no, ctx, None)
        assert declined.kind == "clarify" and declined.intent is None
    assert _chosen(world, asked, 1, ctx, None).intent == options[1][1]
    assert _chosen(world, asked, "2", ctx, None).intent == options[1][1]
    instead = _chosen(world, asked, "go north", ctx, None)
    assert instead.intent == Intent(action=Action.move, target="north")


def test_reading_markdown_clauses_and_typos():
    line = read_line("> _Wren kneels._ **Teach me**, ||grandmother||", ["Wren"])
    assert line.text == "I kneels. Teach me, grandmother" and line.emote
    assert read_line("(ooc) brb").ooc and read_line("who is there?").question
    assert clauses("grab the fish and head back out") == ["grab the fish", "head back out"]
    assert clauses("look around, then go east") == ["look around", "go east"]
    assert correct("go nroth to the chaple", {"north", "chapel"}) == "go north to the chapel"
    assert correct("the wolf eats", {"east", "wolf"}) == "the wolf eats", "a real word is never corrected"
