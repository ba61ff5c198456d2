"""What the seventh session's reading of free text guarantees (#10): a skill told by what it does (the
campaign's `description` of it), an enemy among several told by its looks or asked about, a two-word verb
split by its object ("talk the sergeant into it"), and a character named only as an owner ("izzy's book").

These run the real embedded sentence model over two tuned-on evaluation campaigns (The Sunken Bell, The
Silent Canary), with phrasings of their own (not the development sets'). Each line states what must happen,
or that nothing may (None); anything else fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import assert_steps
from gm.agent.evaluate import scene_world
from gm.agent.interpret import interpret
from gm.campaign.loader import load_campaign

SETS = Path(__file__).resolve().parent.parent / "gm" / "evalsets"
BELL = str(SETS / "sunken-bell" / "sunken-bell.yaml")
CANARY = str(SETS / "silent-canary" / "silent-canary.yaml")
LEARNED = ["north", "learn shield bash from bersi", "learn war cry from bersi", "learn wolf step from bersi",
           "learn mending galdr from thora", "go out", "west", "learn thorn rune from grimulf",
           "learn elk-sedge ward from grimulf", "learn rune of sight from grimulf", "east"]
STRAND = [BELL, LEARNED]  # every skill known, no one to fight
RUNES = [BELL, ["west"]]  # Grimulf, who teaches three runes
CAVE = [BELL, ["north", "talk to hallveig", *LEARNED[1:], "east", "go in"]]  # two draugr: bloated, gaunt
PAWNSHOP = [CANARY, ["go down", "go west"]]  # Izzy and his pawn book
PRECINCT = [CANARY, ["go down", "go east", "go east"]]  # Sergeant O'Hara
DRUGSTORE = [CANARY, ["go down", "go west", "take crowbar"]]

LINES = [
    # a skill by what its description says it does, though another skill shares a word of it
    (STRAND, "mend my own cuts with a healing chant", [{"action": "use_skill", "skill": "mending-galdr"}]),
    (STRAND, "cloak myself in light before we go on", [{"action": "use_skill", "skill": "algiz-ward"}]),
    (RUNES, "teach me the rune that shows what's hidden", [{"action": "learn", "skill": "rune-of-sight"}]),
    # among several enemies: the one its looks tell, else a question, never the likeliest
    (CAVE, "hack at the bloated one", [{"action": "attack", "target": "kelp-draugr"}]),
    (CAVE, "strike hard and fast", None),
    # a two-word verb split by its object
    (PRECINCT, "talk the sergeant into looking the other way",
     [{"action": "check", "approach": "persuade", "target": "sgt-ohara"}]),
    # a character named only as the owner of a thing is not the one acted on
    (PAWNSHOP, "leaf through izzy's pawn book", [{"action": "check", "approach": "search", "target": "pawn-book"}]),
]


@pytest.mark.parametrize("scene,text,expected", LINES, ids=[t for _, t, _ in LINES])
def test_the_words_are_read_as_a_game_master_would(grounder, scene, text, expected):
    assert_steps(interpret(scene_world(*scene), text, grounder), text, expected)


def test_several_enemies_unnamed_are_asked_about_by_name(grounder):
    found = interpret(scene_world(*CAVE), "strike hard and fast", grounder)
    assert found.kind == "clarify" and "Kelp-Draugr" in found.clarification and "Axe-Draugr" in found.clarification


def test_setting_a_thing_back_down_goes_nowhere(grounder):
    found = interpret(scene_world(*DRUGSTORE), "put the crowbar back down", grounder)
    assert not (found.kind == "action" and found.intent.action.value == "move")


def test_a_skill_description_is_campaign_data():
    skills = load_campaign(BELL).skills
    assert "shield of light" in skills["algiz-ward"].description
    assert all(s.description for s in skills.values())


def test_a_possessive_is_corrected_and_kept():
    from gm.agent.reading import correct
    assert correct("leaf through izzzy's book", {"izzy", "book", "leaf", "through"}) == "leaf through izzy's book"
    # after an article, a typo tied between a thing's name and another word is the thing
    assert correct("give the kee to okafor", {"give", "key", "keep", "okafor", "to", "the"}, {"key"}) == \
        "give the key to okafor"
