"""How players name things and string actions together (#10): bare names, places that aren't there, narration,
companions beside the player, questions, objects that name nothing, comma lists, typos, unauthored stats.

These run the real embedded sentence model over the shipped campaigns, with phrasings of their own (not the
development sets'). Each line states what must happen, or that nothing may (None); anything else fails.
"""

from __future__ import annotations

import pytest

from conftest import CAMPAIGNS, assert_steps
from gm.agent.evaluate import scene_world
from gm.agent.interpret import interpret
from gm.agent.reading import clauses, correct, read_line

MIREFEN, DERELICT = "lantern-of-mirefen", "derelict-signal"
GREEN = [MIREFEN, []]
HUT = [MIREFEN, ["north"]]
FIGHT = [MIREFEN, ["north", "take smoked fish", "learn sunfire ward from maud", "south", "east",
                   "give smoked fish to bramble", "east"]]  # Bramble along, the troll here
MEDBAY = [DERELICT, ["take power cell", "north"]]

LINES = [
    # a bare name does the obvious thing with it: a place next door is gone to, a thing lying here is taken,
    # someone here is spoken to
    (GREEN, "the hut?", [{"action": "move", "target": "north"}]),
    (GREEN, "boardwalk", [{"action": "move", "target": "east"}]),
    (HUT, "fish", [{"action": "take", "item": "smoked-fish"}]),
    (HUT, "maud", [{"action": "talk", "target": "maud"}]),
    # "go to X" where X is nothing known is never the likeliest exit
    (GREEN, "go to the tavern", None),
    (GREEN, "walk over to the mill", None),
    # going to see someone next door goes where they are
    (GREEN, "off to visit old maud", [{"action": "move", "target": "north"}]),
    # telling what others do is not for the player to decide; relaying what they said is talking
    (GREEN, "tomas hands me a bag of gold", None),
    (FIGHT, "the troll flees into the water", None),
    (GREEN, "fine, tomas agrees to fight the troll for me", None),
    (GREEN, "tomas, maud says hello", [{"action": "talk", "target": "tomas"}]),
    # a companion beside the player in the subject fights with them, and is no one spoken to
    (FIGHT, "bramble and i rush the troll", [{"action": "attack", "target": "bog-troll"}]),
    (FIGHT, "me and the wolf go for it", [{"action": "attack", "target": "bog-troll"}]),
    # a question after the name it is put to never acts
    (GREEN, "tomas, where does the boardwalk lead?", [{"action": "talk", "target": "tomas"}]),
    (HUT, "do you ever sleep, maud?", [{"action": "talk", "target": "maud"}]),
    # what is taken or given must be named by the words
    (HUT, "take the broom", None),
    (GREEN, "give tomas the silver ring", None),
    (GREEN, "*opens both empty hands toward the headman*", [{"action": "talk", "target": "tomas"}]),  # greets
    (HUT, "grab the fish hanging over the fire", [{"action": "take", "item": "smoked-fish"}]),
    # a comma between two commands is a sequence, each step its own
    (HUT, "take the fish, thank maud, then head back south",
     [{"action": "take", "item": "smoked-fish"}, {"action": "talk", "target": "maud"},
      {"action": "move", "target": "south"}]),
    # what the rules fill in is said outright: the one teacher, the only enemy
    (HUT, "lern the sunfire ward", [{"action": "learn", "skill": "sunfire-ward", "target": "maud"}]),
    (FIGHT, "burn it with the ward", [{"action": "use_skill", "skill": "sunfire-ward", "target": "bog-troll"}]),
    # a skill named by who taught it
    (FIGHT, "blast the brute with what maud showed me",
     [{"action": "use_skill", "skill": "sunfire-ward", "target": "bog-troll"}]),
    # chat about the session, and a line all in spoilers, are said to the table
    (MEDBAY, "brb, pizza", None),
    (MEDBAY, "||does anyone else hear that hum irl||", None),
]


@pytest.mark.parametrize("scene,text,expected", LINES, ids=[t for _, t, _ in LINES])
def test_what_the_words_name(grounder, scene, text, expected):
    assert_steps(interpret(scene_world(*scene), text, grounder), text, expected)


def test_a_place_that_is_not_there_is_answered_with_the_exits(grounder):
    found = interpret(scene_world(*GREEN), "head over to the tavern", grounder)
    assert found.kind == "clarify" and "tavern" in found.clarification and "Exits:" in found.clarification


def test_a_thing_that_is_not_there_is_named_in_the_answer(grounder):
    found = interpret(scene_world(*HUT), "pick up the broom", grounder)
    assert found.kind == "clarify" and "broom" in found.clarification.lower()


def test_typos_are_corrected_toward_names_but_real_words_stay():
    vocabulary = {"saloon", "learn", "lean", "north", "enter"}
    assert correct("lern to shoot", vocabulary) == "learn to shoot"  # a tie goes to the word sharing more letters
    assert correct("go to the salon", vocabulary) == "go to the saloon"  # a name's doubled letter typed once
    assert correct("a dented shield", vocabulary) == "a dented shield"  # a real word is never a name
    assert correct("purify it", {"pacify"}) == "purify it"


def test_a_comma_splits_commands_only():
    verbs = frozenset({"take", "thank", "go"})
    assert clauses("take the fish, thank maud and go", verbs) == ["take the fish", "thank maud", "go"]
    assert clauses("well, take the fish", verbs) == ["well take the fish"]


def test_a_line_all_in_spoilers_is_an_aside():
    assert read_line("||is this being recorded||").ooc
    assert not read_line("||psst|| take the fish").ooc


def test_an_undescribed_stat_is_read_as_its_archetype(embedder, tmp_path):
    """Without `stat_descriptions`, hiding rolls the agility-like stat and searching the perceptive one."""
    from gm.agent.checks import CheckJudge
    from gm.campaign.loader import load_campaign
    from gm.intent import Intent
    from gm.state.world import World

    text = (CAMPAIGNS / "lantern-of-mirefen.yaml").read_text(encoding="utf-8")
    start = text.index("  stat_descriptions:")
    end = text.index("\n", text.index("spirit:", start))
    path = tmp_path / "plain-stats.yaml"
    path.write_text(text[:start] + text[end + 1:], encoding="utf-8")
    world = World.new(load_campaign(path), 1)
    assert not world.campaign.rules.stat_descriptions
    judge = CheckJudge(embedder)
    hide = judge.settle(world, "hide behind the post", Intent(action="check", approach="hide"))
    search = judge.settle(world, "search the green", Intent(action="check", approach="search"))
    assert (hide.stat, search.stat) == ("grace", "wits")
