"""What the sixth session's reading of free text guarantees (#10): questions of whether there is any way,
cues inside longer cues, a line said whole to one person, asking someone along who can't come, setting a
thing down before someone, following what a place's description says leads one way, goings and attempts
on things that aren't there, pronouns across the sentences of prose, and the listener's looks.

These run the real embedded sentence model over the shipped campaigns and the (tuned-on) Winter of the
Aurora evaluation campaign, with phrasings of their own (not the development sets'). Each line states what
must happen, or that nothing may (None); anything else fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import assert_steps
from gm.agent.evaluate import scene_world
from gm.agent.interpret import interpret
from gm.agent.reading import correct

MIREFEN = "lantern-of-mirefen"
AURORA = str(Path(__file__).resolve().parent.parent / "gm" / "evalsets" / "aurora" / "winter-of-the-aurora.yaml")
GREEN = [MIREFEN, []]
DECK = [AURORA, []]  # no one here; below, aft, up and west
CABIN = [AURORA, ["go aft"]]  # Captain Halvorsen
GALLEY = [AURORA, ["go below"]]  # Pruitt the cook, who will not join
HOLD = [AURORA, ["go below", "take seal meat", "go forward"]]  # Sika the husky, the meat in hand
ICE = [AURORA, ["go west"]]  # the pressure ridge; sledge tracks run south

LINES = [
    # whether there is any: a question, put to whoever is here
    (CABIN, "is there any hope of getting her out before spring, captain?",
     [{"action": "talk", "target": "captain-halvorsen"}]),
    # every sentence said to one person is one thing said to them (and "are worried" is a state, no deed)
    (CABIN, "Sir, the men are worried. What is the plan?", [{"action": "talk", "target": "captain-halvorsen"}]),
    # a cue inside a longer one of another action is that action: "here you go" gives, it goes nowhere
    (HOLD, "here you go, sika", [{"action": "give", "item": "seal-meat", "target": "sika"}]),
    # setting a thing down before someone hands it over
    (HOLD, "lay the meat down in front of the dog", [{"action": "give", "item": "seal-meat", "target": "sika"}]),
    # asking along someone who is no companion is that request (the rules answer that he will not come)
    (GALLEY, "pruitt, come up on deck with me", [{"action": "recruit", "target": "pruitt"}]),
    # following what the place's description says leads one way is going that way
    (ICE, "follow the tracks", [{"action": "move", "target": "south"}]),
    (ICE, "*follows the sledge tracks south*", [{"action": "move", "target": "south"}]),
    # going with words of no way here goes nowhere; an attempt on a thing that isn't here is answered
    (DECK, "go fishing", None),
    (DECK, "force the hatch", None),
    (DECK, "search the area", [{"action": "check", "approach": "search"}]),
    # the rules' numbers are asked of the table
    (DECK, "whats the dc to climb the rigging?", None),
    # a pronoun in prose refers to what an earlier sentence named; scrambling is climbing
    (ICE, "That ridge is enormous. I try scrambling up it.",
     [{"action": "check", "approach": "climb", "target": "pressure-ridge"}]),
    # what the listener looks like is no looking of ours
    (GREEN, "you look tired, tomas", [{"action": "talk", "target": "tomas"}]),
]


@pytest.mark.parametrize("scene,text,expected", LINES, ids=[t for _, t, _ in LINES])
def test_the_words_are_read_as_a_game_master_would(grounder, scene, text, expected):
    assert_steps(interpret(scene_world(*scene), text, grounder), text, expected)


def test_what_is_not_there_is_named_in_the_answer(grounder):
    found = interpret(scene_world(*DECK), "force the hatch", grounder)
    assert found.kind == "clarify" and "hatch" in found.clarification.lower()


def test_a_way_typed_wrong_after_going_is_that_way():
    assert correct("go bellw", {"go", "below"}) == "go below"  # not a word: the nearest way
    assert correct("head bellow", {"head"}, {"below", "galley"}) == "head below"  # a real word where a way belongs
    assert correct("go home", {"go"}, {"hole"}) == "go home"  # a word that can say where, as it is
