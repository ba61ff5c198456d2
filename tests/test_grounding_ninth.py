"""What the ninth session's reading of free text guarantees (#10): a question put to someone by name is a
question ("tally did you see ..."); a bare order to one of the party is what the party does, while a line
telling what they do is not; talking someone into or out of something is an attempt to persuade them, whatever
the words say they should do; a feature named in the singular or plural is that feature; "then" after "teach
me" is no skill; and a fellow player's character is never someone the game master voices in a talk.

These run the real embedded sentence model over The Derelict Meridian (a tuned-on evaluation campaign since
this session), with phrasings of their own (not the development sets'). Each line states what must happen,
or that nothing may (None); anything else fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import assert_steps
from gm.actions.talk import Talk
from gm.agent.evaluate import scene_world
from gm.agent.interpret import interpret

MERIDIAN = str(Path(__file__).resolve().parent.parent / "gm" / "evalsets" / "derelict-meridian" / "derelict-meridian.yaml")
AIRLOCK = [MERIDIAN, ["go north"]]  # the jammed inner door; Ike Nakashima is the party's second pc
SPINE = [MERIDIAN, ["take fusion cell", "go north", "go north", "talk to tally"]]  # TALLY-7, the android
MEDBAY = [MERIDIAN, ["go north", "take bloom sample", "go north", "go east", "talk to dr lindqvist"]]
QUARTERS = [MERIDIAN, ["take ration pack", "go north", "go north", "go west"]]  # Sergeant Brandt, the lockers

LINES = [
    # a question put to the one named first
    (SPINE, "tally have you heard anything from the reactor deck", [{"action": "talk", "target": "tally"}]),
    # an order to one of the party is the party's deed
    (AIRLOCK, "ike, pry the inner door open", [{"action": "check", "target": "inner-door", "approach": "force"}]),
    # talking someone out of something is persuading them; what they should do is no deed of ours
    (QUARTERS, "I try to talk the sergeant out of shooting us",
     [{"action": "check", "target": "sgt-brandt", "approach": "persuade"}]),
    # one locker of the bunk lockers
    (QUARTERS, "go through the footlocker nearest the door",
     [{"action": "check", "target": "bunk-lockers", "approach": "search"}]),
    # "then" is no skill to be taught
    (MEDBAY, "fine, teach me then", [{"action": "learn", "skill": "field-medicine"}]),
]


@pytest.mark.parametrize("scene,text,expected", LINES, ids=[t for _, t, _ in LINES])
def test_the_words_are_read_as_a_game_master_would(grounder, scene, text, expected):
    assert_steps(interpret(scene_world(*scene), text, grounder), text, expected)


def test_a_fellow_players_character_is_no_one_to_talk_to():
    world = scene_world(*AIRLOCK)
    targets = {c.intent.target for c in Talk().candidates(world, world.lead())}
    assert "nakashima" in world.characters and world.characters["nakashima"].location == world.party_location
    assert "nakashima" not in targets


def test_a_line_telling_what_a_party_member_does_is_not_an_order(grounder):
    world = scene_world(*AIRLOCK)
    found = interpret(world, "ike pries the inner door open and it slides apart", grounder)
    assert found.kind != "action" or found.intent.action.value != "check", found
