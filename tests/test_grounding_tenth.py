"""What the tenth session's reading of free text guarantees (#10): a going verb with an object of its own goes
nowhere ("run a diagnostic"); a cue inside a joined word or a longer word is no cue ("good" is not "go", the
"-calling" of "wind-calling" calls no one); a joined word whose parts are English is kept as typed, and still
names what its letters name; holding something out to someone gives it; an attempt whose target its own
clause leaves unnamed is on what an earlier clause of the line is beside; and a deed no rule here does, told
as one, is not small talk with whoever stands near.

These run the real embedded sentence model over The Derelict Meridian (a tuned-on evaluation campaign), with
phrasings of their own (not the development sets'). Each line states what must happen, or that nothing may
(None); anything else fails.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import assert_steps, intent_steps
from gm.agent.evaluate import scene_world
from gm.agent.grounding import _does_something, _regular, _scene_names, cue_actions, vocabulary
from gm.agent.interpret import interpret
from gm.agent.reading import correct
from gm.intent import Action

MERIDIAN = str(Path(__file__).resolve().parent.parent / "gm" / "evalsets" / "derelict-meridian" / "derelict-meridian.yaml")
RING = [MERIDIAN, ["take ration pack"]]  # the docking ring: Mack, the berth console, the cargo netting
MEDBAY = [MERIDIAN, ["go north", "take bloom sample", "go north", "go east", "talk to dr lindqvist"]]
QUARTERS = [MERIDIAN, ["take ration pack", "go north", "go north", "go west"]]  # Sergeant Brandt, the lockers

LINES = [
    # holding a thing out to someone is handing it over
    (RING, "*holding the ration pack out to Mack with a tired grin*",
     [{"action": "give", "item": "ration-pack", "target": "mack"}]),
    # the pose names the place; the search that follows is on it
    (QUARTERS, "*crouches by the bunk lockers and rummages through whatever is inside*",
     [{"action": "check", "target": "bunk-lockers", "approach": "search"}]),
]


@pytest.mark.parametrize("scene,text,expected", LINES, ids=[t for _, t, _ in LINES])
def test_the_words_are_read_as_a_game_master_would(grounder, scene, text, expected):
    assert_steps(interpret(scene_world(*scene), text, grounder), text, expected)


@pytest.mark.parametrize("text", ["run a diagnostic on the berth console", "*runs a hand along the cargo netting*"])
def test_a_going_verb_with_an_object_of_its_own_goes_nowhere(grounder, text):
    assert Action.move not in cue_actions(text)
    found = interpret(scene_world(*RING), text, grounder)
    assert all(step["action"] != "move" for step in intent_steps(found)), found


def test_a_way_named_after_the_object_still_goes():
    assert Action.move in cue_actions("run a little way north")
    assert Action.move in cue_actions("run back to my ship")


@pytest.mark.parametrize("text", ["hijack the shuttle and fly it home", "eat every ration on this ring"])
def test_a_deed_no_rule_does_is_no_small_talk(grounder, text):
    found = interpret(scene_world(*RING), text, grounder)
    assert all(step["action"] != "talk" for step in intent_steps(found)), found


def test_a_cue_is_a_whole_word_of_its_own():
    # "good" is no form of "go"; the end of a joined word is no verb
    assert not re.fullmatch(_regular("go"), "good")
    assert re.fullmatch(_regular("go"), "goes") and re.fullmatch(_regular("stop"), "stopped")
    assert re.fullmatch(_regular("scramble"), "scrambled")
    assert Action.move not in cue_actions("whats the flare good for")
    assert Action.talk not in cue_actions("the wind-calling")


def test_a_joined_word_of_english_parts_is_kept_as_typed():
    world = scene_world(*RING)
    # (the netting's name is in the vocabulary joined, "cargonetting"; the player's hyphen stays)
    assert "cargo-netting" in correct("check the rust-streaked cargo-netting", vocabulary(world),
                                      _scene_names(world))


def test_a_joined_word_names_what_its_joined_letters_name(grounder):
    # Field Medicine is indexed as "fieldmedicine" too; typed "field-medicine" it is still the skill
    found = interpret(scene_world(*MEDBAY), "teach me the field-medicine", grounder)
    assert_steps(found, "teach me the field-medicine", [{"action": "learn", "skill": "field-medicine"}])



def test_a_deed_is_told_by_a_plain_verb_first():
    assert _does_something("arrest the pilot") and _does_something("ok try to bench press it")
    assert _does_something("I quietly hijack the shuttle")
    # a request, a greeting, a gesture to someone's hand, a state: no deed of one's own
    assert not _does_something("can you fly us out") and not _does_something("hello there")
    assert not _does_something("shake his hand") and not _does_something("is the shuttle fueled")
