"""Grounding in-character prose (#10): the action of a line is found in the clause that carries it.

Players write in character: a pose, a gesture, the action itself, and words said while doing it, across
several sentences with chat markdown. These tests read such lines over the shipped campaigns with the real
embedded sentence model; each states what must be carried out, or that nothing may (None), so none can pass
by doing something the words contradict. The lines are written for these tests, not taken from the eval sets.
"""

from __future__ import annotations

import pytest

from gm.actions.use_skill import skill_lore
from gm.agent.evaluate import scene_world
from gm.agent.interpret import interpret
from gm.agent.reading import clauses, correct, part_line, prose_clauses, read_line
from gm.campaign import load_campaign

from conftest import CAMPAIGNS, assert_steps

MIREFEN, DERELICT = "lantern-of-mirefen", "derelict-signal"
VILLAGE = [MIREFEN, []]
REEDS = [MIREFEN, ["north", "take smoked fish", "south", "east"]]
BOSS = [MIREFEN, ["north", "learn sunfire ward from maud", "south", "east", "east"]]
BAY = [DERELICT, []]


def test_correction_keeps_where_sentences_end():
    text = correct("Rook kneels by the drnoe. \"There you go, buddy!\" Then he waits?", {"drone"})
    assert text == "rook kneels by the drone. there you go, buddy! then he waits?"
    assert prose_clauses(text) == ["rook kneels by the drone", "there you go, buddy", "he waits?"]
    assert clauses(text) == ["rook kneels by the drone there you go buddy", "he waits"], \
        "a line's several actions are joined by 'and' or 'then'; its sentences may tell one action"


def test_a_clause_is_spoken_or_a_question_only_by_its_own_words():
    line = read_line('_Wren sets the fish down._ "Easy, friend. Hungry?"', ["Wren"])
    parts = prose_clauses(correct(line.text, set()))
    assert parts == ["i sets the fish down", "easy, friend", "hungry?"]
    pose, said, asked = (part_line(line, p) for p in parts)
    assert pose.speech is None and not pose.question, "the pose is not the words said"
    assert said.speech == "easy, friend" and not said.question
    assert asked.speech == "hungry?" and asked.question


def test_what_the_campaign_says_about_a_skill_describes_it():
    campaign = load_campaign(CAMPAIGNS / f"{MIREFEN}.yaml")
    own, *told = skill_lore(campaign)["sunfire-ward"]
    assert own == campaign.skills["sunfire-ward"].description, "the author's description comes first"
    assert told, "the witch's lines name the sunfire"
    assert all("sunfire" in s.lower() or "ward" in s.lower() for s in told)
    assert not any("heart-stone" in s.lower() and "sunfire" not in s.lower() for s in told)


PROSE = [
    # the clause that acts on something it names carries the line; poses and spoken words are its flavour
    (REEDS, '> Wren drops to one knee in the reeds and sets the smoked fish before the wolf. "Easy now, friend."',
     [{"action": "give", "item": "smoked-fish", "target": "bramble"}]),
    (BAY, "_Rook rolls his shoulders, eyes the glowing power cell on the deck and scoops it up._",
     [{"action": "take", "item": "power-cell"}]),
    # a skill used by a name the player gives it, in a fight with one enemy: the blow goes to that enemy
    (BOSS, "*Wren steadies her breathing. She calls the sunfire down upon the brute.*",
     [{"action": "use_skill", "skill": "sunfire-ward", "target": "bog-troll"}]),
    # one blow told twice (a fight gives one action a turn): the skill named is the telling that counts
    (BOSS, "**Sunfire!** _Wren strikes at the troll, light blazing from her palm._",
     [{"action": "use_skill", "skill": "sunfire-ward", "target": "bog-troll"}]),
    # resting by name of the noun a light verb takes
    (VILLAGE, "honestly wren needs to take a long nap", [{"action": "rest"}]),
]


@pytest.mark.parametrize(("scene", "text", "expected"), PROSE)
def test_prose_is_understood_by_its_action(grounder, scene, text, expected):
    assert_steps(interpret(scene_world(*scene), text, grounder), text, expected)


def test_she_never_stands_for_a_thing(grounder):
    """A person's pronoun refers back to a person only: after picking up the power cell, "she" is no item."""
    world = scene_world(DERELICT, ["take power cell", "north"])
    world.referents = ["power-cell", *world.referents]
    line = read_line("I watch her work")
    clause = grounder._read(world, world.lead(), "i watch her work", line, list(world.referents))
    assert "power-cell" not in clause.referred
    assert all(k in world.characters for k in clause.referred)
