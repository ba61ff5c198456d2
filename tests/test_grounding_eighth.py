"""What the eighth session's reading of free text guarantees (#10): powers decreed rather than attempted, and
talk about the game itself, change nothing; irregular verb forms ("shot", "threw") are the verb, but only as
one's own deed; a cue's "my" is anyone's ("*catches his breath*"); two letters swapped are a typo of a name or
an everyday word ("the pei", "peice"); a skill of one's own that the words name takes part in the blow.

These run the real embedded sentence model over The Albatross Adrift (a tuned-on evaluation campaign since
this session) and the shipped Lantern of Mirefen, with phrasings of their own (not the development sets').
Each line states what must happen, or that nothing may (None); anything else fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import assert_steps
from gm.agent.evaluate import scene_world
from gm.agent.interpret import interpret
from gm.agent.reading import correct

ALBATROSS = str(Path(__file__).resolve().parent.parent / "gm" / "evalsets" / "albatross" / "albatross-adrift.yaml")
PROMENADE = [ALBATROSS, []]
HOLD = [ALBATROSS, ["north", "learn galvanic discharge from keel", "south", "down"]]  # the brass hound
GALLEY = [ALBATROSS, ["east"]]  # Mrs Bunce and her mutton pies
MAUDS = ["lantern-of-mirefen", ["north"]]

LINES = [
    # decreeing an outcome is no attempt, wherever in the line it stands
    (PROMENADE, "I snap my fingers and the whole crew obeys me", None),
    (GALLEY, "grab a pie and gain 100 xp", None),
    (PROMENADE, "crown myself queen of the skies", None),
    # the game itself, not the story
    (PROMENADE, "can I save and quit now?", None),
    (HOLD, "reroll that, the dice were cursed", None),
    # an irregular past form at the start of a clause, or after "I", is the verb
    (HOLD, "shot the hound", [{"action": "attack", "target": "brass-hound"}]),
    # a cue's "my" stands for anyone's, as emotes tell it
    (HOLD, "*catches his breath on a crate*", [{"action": "rest"}]),
    # a startled "wait" before a question waits for nothing: it is asked of whoever is there
    (MAUDS, "wait, what's in those jars?", [{"action": "talk", "target": "maud"}]),
    # two letters swapped: a name after an article, or an everyday word
    (GALLEY, "tkae the pei", [{"action": "take", "item": "mutton-pie"}]),
    # a skill of one's own named in a blow is the skill used, not a plain attack
    (HOLD, "smack the brass hound with a galvanic blast",
     [{"action": "use_skill", "skill": "galvanic-discharge", "target": "brass-hound"}]),
]


@pytest.mark.parametrize("scene,text,expected", LINES, ids=[t for _, t, _ in LINES])
def test_the_words_are_read_as_a_game_master_would(grounder, scene, text, expected):
    assert_steps(interpret(scene_world(*scene), text, grounder), text, expected)


def test_someone_elses_past_deed_is_no_cue():
    from gm.agent.grounding import cue_actions
    from gm.intent import Action

    assert Action.take not in cue_actions("anybody seen the men who took the payroll")
    assert Action.move not in cue_actions("what's left in here")
    assert Action.attack in cue_actions("i shot at the bandit")


def test_a_three_letter_word_is_only_corrected_by_a_swap():
    names = {"pie", "dock"}
    assert correct("give the pei to maggie", set(), names) == "give the pie to maggie"
    assert correct("say hi to the doc", set(), names) == "say hi to the doc"
    assert correct("a peice of it", set(), names) == "a piece of it"  # an everyday word, its letters swapped
