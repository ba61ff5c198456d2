"""Grounding (#10), lane ground-lex: never carry out what the words contradict, and general words for things.

These run the real embedded sentence model over the shipped campaigns. A line that expects None must change
nothing (a clarification or a refusal); any action carried out instead fails the test.
"""

from __future__ import annotations

import pytest

from gm.agent.evaluate import scene_world
from gm.actions.naming import name_words

MIREFEN, DERELICT = "lantern-of-mirefen", "derelict-signal"
BOSS = [MIREFEN, ["north", "learn sunfire ward from maud", "south", "east", "east"]]
TROLL_DOWN = [MIREFEN, ["north", "learn sunfire ward from maud", "south", "east", "east",
                        *["use sunfire ward on bog troll"] * 5, "take heart-stone", "west", "west"]]
MEDBAY = [DERELICT, ["take power cell", "north"]]


def _ground(grounder, scene, text):
    return grounder.ground(scene_world(*scene), text)


def _did(found) -> list[tuple]:
    if found.kind != "action":
        return []
    return [(i.action.value, i.target, i.item, i.skill) for i in (found.intents or [found.intent])]


@pytest.mark.parametrize("scene,text", [
    (MEDBAY, "I heal Okafor with my medkit"),  # an item no candidate takes part in: no talk, no lesson
    (TROLL_DOWN, "put the stone back in the lantern myself"),  # holding the stone: no climb of the post
])
def test_an_item_the_candidate_leaves_out_is_not_that_candidate(grounder, scene, text):
    assert _did(_ground(grounder, scene, text)) == []


@pytest.mark.parametrize("scene,text,expected", [
    (BOSS, "stab the troll with my hunting knife", ("attack", "bog-troll", None, None)),  # a weapon is an instrument
    (MEDBAY, "give the power cell to okafor", ("give", "dr-okafor", "power-cell", None)),
    (MEDBAY, "ask okafor about the power cell", ("talk", "dr-okafor", None, None)),  # an item talked about
])
def test_an_item_the_action_uses_or_talks_about_still_grounds(grounder, scene, text, expected):
    assert _did(_ground(grounder, scene, text)) == [expected]


REEDS = [MIREFEN, ["north", "take smoked fish", "south", "east"]]  # Bramble (a wolfhound) here; fish and knife held
HUT = [MIREFEN, ["north", "take smoked fish"]]  # Old Maud here; fish and knife held


def test_the_lexicon_links_an_everyday_word_to_the_one_thing_it_stands_for(grounder):
    world = scene_world(*REEDS)
    things = {k: name_words(world, k) for k in ("bramble", "smoked-fish", "hunting-knife")}
    said = {"dagger", "salmon", "weather"}
    assert not said & set().union(*things.values())  # words the campaign never wrote
    found = grounder.lexicon.stands_for(said, things)
    assert found == {"dagger": "hunting-knife", "salmon": "smoked-fish"}  # "weather" is like nothing here


@pytest.mark.parametrize("scene,text,expected", [
    (REEDS, "feed wolf", [("give", "bramble", "smoked-fish", None)]),  # what is fed is the food in hand
    (REEDS, "toss the salmon to bramble", [("give", "bramble", "smoked-fish", None)]),
    (REEDS, "offer bramble something to eat", [("give", "bramble", "smoked-fish", None)]),
    (TROLL_DOWN, "here you go old man, your rock's back", [("give", "tomas", "heart-stone", None)]),
    (HUT, "feed maud", [("give", "maud", "smoked-fish", None)]),  # no gift the story waits for: the food
    (MEDBAY, "feed okafor", []),  # neither a power cell nor an arc cutter is food: ask which
])
def test_everyday_words_for_things_ground_or_ask(grounder, scene, text, expected):
    assert _did(_ground(grounder, scene, text)) == expected


@pytest.mark.parametrize("scene,text,expected", [
    (MEDBAY, "have a look at the overturned beds", ("look", None, None, None)),  # no question to the doctor
    (TROLL_DOWN, "take a nap by the lantern post", ("rest", None, None, None)),
])
def test_a_light_verb_lends_its_action_to_the_noun_after_it(grounder, scene, text, expected):
    assert _did(_ground(grounder, scene, text)) == [expected]


@pytest.mark.parametrize("scene,text", [
    ([MIREFEN, ["north"]], "that sunfire ward of yours sounds impressive, Maud"),  # praise asks for no lesson
    (MEDBAY, "nice overclock circuit, doc"),
])
def test_a_line_that_asks_for_no_lesson_teaches_nothing(grounder, scene, text):
    assert all(step[0] != "learn" for step in _did(_ground(grounder, scene, text)))
