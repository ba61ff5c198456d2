"""What the fifth session's reading of free text guarantees (#10): going on, roads taken, remarks and told
outcomes, skills used on someone, names said wholly, typos of real words, prose that tells of others, and
questions of what happened.

These run the real embedded sentence model over the shipped campaigns and the (tuned-on) Kurokami Pass
evaluation campaign, with phrasings of their own (not the development sets'). Each line states what must
happen, or that nothing may (None); anything else fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import assert_steps, intent_steps
from gm.agent.conversation import TopicPicker
from gm.agent.evaluate import scene_world
from gm.agent.interpret import interpret
from gm.agent.reading import correct
from gm.intent import Intent

MIREFEN = "lantern-of-mirefen"
KUROKAMI = str(Path(__file__).resolve().parent.parent / "gm" / "evalsets" / "kurokami-pass" / "kurokami-pass.yaml")
GREEN = [MIREFEN, []]
HUT = [MIREFEN, ["north"]]
HELD = [MIREFEN, ["north", "take smoked fish"]]
REEDS = [MIREFEN, ["east"]]  # come from the green: the chapel lies on
WARDED = [MIREFEN, ["north", "learn sunfire ward from maud"]]
FIGHT = [MIREFEN, ["north", "take smoked fish", "learn sunfire ward from maud", "south", "east",
                   "give smoked fish to bramble", "east"]]
GROVE = [KUROKAMI, ["west"]]  # Kohaku the fox beside the fox shrine
BRIDGE = [KUROKAMI, ["north", "east"]]  # on the rope bridge, come from the steps
TEMPLE = [KUROKAMI, ["north", "north", "learn calming sutra from jinen"]]

LINES = [
    # going on without a direction is the one way that does not lead back
    (REEDS, "keep going", [{"action": "move", "target": "east"}]),
    (BRIDGE, "cross over", [{"action": "move", "target": "east"}]),
    (BRIDGE, "tiptoe across", [{"action": "check", "approach": "sneak", "target": "bridge-planks"}]),
    # a road taken is gone along; what is said aloud names no destination
    (GREEN, "take the east road", [{"action": "move", "target": "east"}]),
    (GREEN, '*walks up to the headman* "Any word from the chapel?"', [{"action": "talk", "target": "tomas"}]),
    # remarks on how things are, and outcomes told instead of tried, change nothing
    (GREEN, "this fog is getting thick", None),
    (GREEN, "lol the headman worries way too much", None),
    (FIGHT, "i win", None),
    (FIGHT, "i block every blow forever", None),
    # prose that tells of someone, then asks them: the asking, with "him" meaning who was told of
    (GREEN, "tomas looks worried. ask him what happened", [{"action": "talk", "target": "tomas"}]),
    # a skill asked for that no one teaches, and a question of what is taught, ask; they teach nothing
    (HUT, "learn fireball from maud", None),
    (HUT, "what can you teach me, maud?", [{"action": "talk", "target": "maud"}]),
    # a harmful skill named with no one to harm is still that skill (the rules say there is no one)
    (WARDED, "practice the sunfire ward", [{"action": "use_skill", "skill": "sunfire-ward", "target": None}]),
    # a harmless skill is used on the one person the words name or point to
    (TEMPLE, "chant the calming sutra over the abbot",
     [{"action": "use_skill", "skill": "calming-sutra", "target": "jinen"}]),
    (TEMPLE, "try it on him", [{"action": "use_skill", "skill": "calming-sutra", "target": "jinen"}]),
    # what the words name wholly wins over what shares a word with it
    (GROVE, "try to calm the fox", [{"action": "check", "approach": "calm", "target": "kohaku"}]),
    # a real word in the place of a name the scene has is that name
    (TEMPLE, "inspect the alter", [{"action": "check", "approach": "search", "target": "altar"}]),
    # putting it back drops what was just taken; getting behind something takes nothing
    (HELD, "eh put it back", [{"action": "drop", "item": "smoked-fish"}]),
    # a try is no gift, and a search that ends in taking what is there is the taking
    (HUT, "*picks up the fish and gives it a sniff*", [{"action": "take", "item": "smoked-fish"}]),
    (HUT, "*rifles through the shelves and pockets the fish*", [{"action": "take", "item": "smoked-fish"}]),
    # a service asked of a would-be companion asks them along
    (REEDS, "bramble, will you walk with me?", [{"action": "recruit", "target": "bramble"}]),
    # the game itself is said to the table
    (FIGHT, "how does initiative work here?", None),
    (FIGHT, "my dice hate me tonight", None),
    # a question to the one enemy is put to it (the rules answer that it will not talk)
    (FIGHT, "what do you even want with the stone?", [{"action": "talk", "target": "bog-troll"}]),
    # in prose, the poses around a request are how it is asked, and what is said to someone is no attempt
    (HUT, '*ducks under the drying herbs and bows low* "Please, teach me the sunfire ward."',
     [{"action": "learn", "skill": "sunfire-ward", "target": "maud"}]),
    (GREEN, '*leans on the lantern post* "Tomas, read me the old stones again, would you?"',
     [{"action": "talk", "target": "tomas"}]),  # no read check: he is asked to read
    # resting needs words of resting
    (HUT, "*sighs and stares into the fire*", [{"action": "look"}]),
    (GREEN, "sit down and rest a while", [{"action": "rest"}]),
]


@pytest.mark.parametrize("scene,text,expected", LINES, ids=[t for _, t, _ in LINES])
def test_the_words_are_read_as_a_game_master_would(grounder, scene, text, expected):
    assert_steps(interpret(scene_world(*scene), text, grounder), text, expected)


def test_getting_somewhere_takes_nothing(grounder):
    for text in ("get behind it", "get closer to the troll"):
        steps = intent_steps(interpret(scene_world(*FIGHT), text, grounder))
        assert all(step["action"] != "take" for step in steps), f"{text!r}: {steps}"


def test_a_skill_no_one_teaches_is_named_in_the_answer(grounder):
    found = interpret(scene_world(*HUT), "learn fireball from maud", grounder)
    assert found.kind == "clarify" and "fireball" in found.clarification.lower()


def test_real_words_become_names_only_where_they_name_nothing():
    assert correct("give the saki to genzo", {"give"}, {"sake", "genzo"}) == "give the sake to genzo"  # rare
    assert correct("search the alter", {"search"}, {"altar"}) == "search the altar"  # never a noun here
    assert correct("take the cat", {"take"}, {"hat"}) == "take the cat"  # a cat is a cat
    assert correct("read the chrat", {"read", "chat", "chart"}) == "read the chart"  # the same letters swapped


def test_a_question_of_what_happened_asks_for_the_event(embedder):
    """"who put out the light?" asks what the troll did, not how long Tomas lit the lantern."""
    world = scene_world(*GREEN)
    picker = TopicPicker(embedder)
    asked = picker.attend(world, Intent(action="talk", target="tomas"), "who put out the light?")
    assert asked.topic == "troll-took-lantern"
    about = picker.attend(world, Intent(action="talk", target="tomas"), "how long did you light the lamp?")
    assert about.topic == "lantern-history"
