"""What players say to characters and what they offer them (#10): talk, give, recruit, learn, and the topic asked.

These run the real embedded sentence model over the shipped campaigns, with phrasings of their own (not the
development set's). Each line states what must happen, or that nothing may (None); anything else fails.
"""

from __future__ import annotations

import pytest

from conftest import intent_steps
from gm.actions import resolve
from gm.actions.give import wanted_gifts
from gm.agent.evaluate import scene_world
from gm.agent.interpret import interpret
from gm.intent import Intent
from gm.rules.dice import Dice

MIREFEN, DERELICT = "lantern-of-mirefen", "derelict-signal"
GREEN = [MIREFEN, []]
HUT = [MIREFEN, ["north"]]
REEDS = [MIREFEN, ["north", "take smoked fish", "south", "east"]]
MEDBAY = [DERELICT, ["take power cell", "north"]]
SHAFT = [DERELICT, ["take power cell", "east"]]
HOME = [MIREFEN, ["north", "learn sunfire ward from maud", "south", "east", "east",
                  *["use sunfire ward on bog troll"] * 5, "take heart-stone", "west", "west"]]  # the stone, home


LINES = [
    # a gift the story waits for may go unsaid when the words say giving; the knife in hand is not food
    (REEDS, "give the grey wolf a snack", {"action": "give", "item": "smoked-fish", "target": "bramble"}),
    (REEDS, "feed the big wolf", {"action": "give", "item": "smoked-fish", "target": "bramble"}),
    (REEDS, "I throw the wolf a bit of fish", {"action": "give", "item": "smoked-fish", "target": "bramble"}),
    # what is returned to its owner is given, even unnamed: "this belongs to you" is no small talk
    (HOME, "I think this belongs to you, headman", {"action": "give", "item": "heart-stone", "target": "tomas"}),
    (HOME, "keep it, old man. it's yours", {"action": "give", "item": "heart-stone", "target": "tomas"}),
    # an offer put as a question is the offer, not small talk
    (SHAFT, "you want my power cell, little guy?", {"action": "give", "item": "power-cell", "target": "pip"}),
    # putting a thing into someone is giving it; the quoted words belong to their own clause
    (SHAFT, '> I press the cell into the drone\'s chest port. "All yours, pal."',
     {"action": "give", "item": "power-cell", "target": "pip"}),
    # a gesture toward one person here greets them; a hand held out is no gift
    (REEDS, "*scratches the wolf behind its white ear*", {"action": "talk", "target": "bramble"}),
    (SHAFT, "*gives the drone a gentle pat*", {"action": "talk", "target": "pip"}),
    # social requests as the action they ask for, in the plural too, with or without an apostrophe
    (SHAFT, "lets roll, little drone", {"action": "recruit", "target": "pip"}),
    (SHAFT, "help us shut down that sentry, drone", {"action": "recruit", "target": "pip"}),
    (HUT, "show us your sunfire, grandmother", {"action": "learn", "skill": "sunfire-ward"}),
    # with no companion here, "help us" asks for help; with no skill of one's own, wanting magic is learning it
    (GREEN, "can you help us, headman?", {"action": "talk", "target": "tomas"}),
    (HUT, "I'd love whatever magic this old woman has", {"action": "learn", "skill": "sunfire-ward"}),
    # a question asks: a place or an attempt in it makes it no journey and no attempt, unless it asks leave to act
    (GREEN, "how do I get to the chapel?", {"action": "talk", "target": "tomas"}),
    (GREEN, "what's north of here?", {"action": "talk", "target": "tomas"}),
    (HUT, "can the heart-stone be fixed?", {"action": "talk", "target": "maud"}),
    (HUT, "can I search the jars?", {"action": "check", "approach": "search"}),
    # asking about a place is no journey; asking someone who is not here reaches no one else
    (GREEN, "tell me about the animals in the reeds", {"action": "talk", "target": "tomas"}),
    (GREEN, "ask tomas about old maud", {"action": "talk", "target": "tomas"}),
    (GREEN, "ask old maud what trolls fear", None),
    # everyday words for being taught and for joining
    (HUT, "instruct me in your magic, witch", {"action": "learn", "skill": "sunfire-ward"}),
    (SHAFT, "wanna be friends, drone?", {"action": "recruit", "target": "pip"}),
    # a thing named that is not here: nothing happens, and the player hears so
    (MEDBAY, "I soothe Okafor with my medkit", None),
]


@pytest.mark.parametrize("scene,text,expected", LINES, ids=[t for _, t, _ in LINES])
def test_what_is_said_and_offered(grounder, scene, text, expected):
    world = scene_world(*scene)
    got = intent_steps(interpret(world, text, grounder))
    if expected is None:
        assert got == [], f"{text!r} should change nothing, got {got}"
    else:
        assert len(got) == 1 and all(got[0].get(k) == v for k, v in expected.items()), f"{text!r}: {got}"


def test_the_missing_thing_is_named_in_the_answer(grounder):
    found = interpret(scene_world(*MEDBAY), "I soothe Okafor with my medkit", grounder)
    assert found.kind == "clarify" and "medkit" in found.clarification.lower()


def test_wanted_gifts_come_from_the_campaigns_conditions_and_go_once_given():
    world = scene_world(*REEDS)
    assert {("smoked-fish", "bramble"), ("heart-stone", "tomas")} <= wanted_gifts(world)
    world.turn += 1
    assert resolve(world, Intent(action="give", item="smoked-fish", target="bramble", actor="wren"),
                   Dice(1, world.turn)).ok
    assert ("smoked-fish", "bramble") not in wanted_gifts(world)
    assert ("power-cell", "pip") in wanted_gifts(scene_world(DERELICT, []))


def test_feeding_someone_no_gift_is_expected_of_asks_which(grounder):
    """Nothing the campaign waits for goes to the doctor: with two things in hand, "feed" is a question."""
    found = interpret(scene_world(*MEDBAY), "feed the doctor something", grounder)
    assert found.kind == "clarify" and len(found.options) == 2


TOPICS = [
    # a follow-up that points back ("it", "that") is about what the listener just told
    ([MIREFEN, ["talk to tomas"]], "what became of it afterwards?", "troll-took-lantern"),
    ([MIREFEN, ["talk to tomas"]], "tell me about that", "troll-took-lantern"),
    # an authored answer that restates a fact the speaker knows (with no `reveals`) tells that fact
    (HUT, "how can I kill a troll?", "troll-fears-light"),
    (HUT, "what do trolls hate?", "troll-fears-light"),
    # an `about` phrase shares its words only when said whole: "old man" asks nothing about Old Maud
    (GREEN, "old man, what's your favourite drink?", None),
]


@pytest.mark.parametrize("scene,text,topic", TOPICS, ids=[t for _, t, _ in TOPICS])
def test_the_topic_asked_about(embedder, grounder, scene, text, topic):
    from gm.agent.conversation import TopicPicker

    world = scene_world(*scene)
    found = interpret(world, text, grounder)
    assert found.kind == "action" and found.intent.action.value == "talk", found
    assert TopicPicker(embedder).attend(world, found.intent, text).topic == topic


def _crowded_hut():
    """The herb hut with the headman and the wolf dropped in: a room of several people to ask."""
    world = scene_world(*HUT)
    for key in ("tomas", "bramble"):
        world.characters[key].location = "herb-hut"
    return world


CROWD = [
    # a question to the room goes to the one who knows about it
    ("anyone know what trolls are afraid of?", {"action": "talk", "target": "maud"}),
    ("does anybody know the way to the chapel?", {"action": "talk", "target": "tomas"}),
    # a question to one person is about what they can do: the headman can't join, so nobody else is recruited
    ("Tomas, will you join us?", {"action": "talk", "target": "tomas"}),
    ("could you help me fight the troll, Tomas?", {"action": "talk", "target": "tomas"}),
    ("wolf, will you come with me?", {"action": "recruit", "target": "bramble"}),
]


@pytest.mark.parametrize("text,expected", CROWD, ids=[t for t, _ in CROWD])
def test_a_room_of_several_people(grounder, text, expected):
    got = intent_steps(interpret(_crowded_hut(), text, grounder))
    assert len(got) == 1 and all(got[0].get(k) == v for k, v in expected.items()), f"{text!r}: {got}"


def test_in_play_a_follow_up_recalls_and_a_restated_answer_is_learned(saves, embedder, grounder):
    """Through the real turn graph: the follow-up is answered from what was just told, and asking the witch how
    to beat a troll releases the fact her answer tells (so a quest waiting for it can go on)."""
    from conftest import CAMPAIGNS
    from gm.agent.conversation import TopicPicker
    from gm.game import Components, Game

    game = Game.create(CAMPAIGNS / "lantern-of-mirefen.yaml", saves, seed=3,
                       components=Components(grounder=grounder, topics=TopicPicker(embedder)))
    try:
        game.act("talk to tomas")
        again = game.act("what became of it afterwards?")
        assert again.intent["topic"] == "troll-took-lantern"
        assert [e["manner"] for e in again.events if e["kind"] == "said"] == ["recalls"]
        game.act("go north")
        told = game.act("how can I kill a troll?")
        assert told.intent["topic"] == "troll-fears-light"
        assert [e["fact"] for e in told.events if e["kind"] == "learned"] == ["troll-fears-light"]
    finally:
        game.close()


@pytest.fixture(scope="module")
def two_skill_hut(tmp_path_factory):
    """Mirefen with Maud teaching a second skill: a teacher of several things."""
    from conftest import CAMPAIGNS
    from gm.actions import resolve as act
    from gm.campaign import load_campaign
    from gm.state.world import World

    text = (CAMPAIGNS / "lantern-of-mirefen.yaml").read_text(encoding="utf-8")
    text = text.replace("    teaches: [sunfire-ward]", "    teaches: [sunfire-ward, mire-mend]")
    text = text.replace("skills:\n", "skills:\n  mire-mend:\n    name: Mire Mend\n    stat: spirit\n"
                                     "    aliases: [mend, mending]\n", 1)
    path = tmp_path_factory.mktemp("two-skills") / "two-skills.yaml"
    path.write_text(text, encoding="utf-8")

    def hut():
        world = World.new(load_campaign(path), 1)
        world.turn += 1
        assert act(world, Intent(action="move", target="north", actor="wren"), Dice(1, world.turn)).ok
        return world
    return hut


@pytest.mark.parametrize("text,skill", [("teach me", None), ("maud, teach me please", None),
                                        ("teach me your magic", None), ("teach me the mending", "mire-mend"),
                                        ("show me how to burn things", "sunfire-ward")])
def test_a_teacher_of_several_skills_is_asked_which_unless_the_words_say(grounder, two_skill_hut, text, skill):
    found = interpret(two_skill_hut(), text, grounder)
    if skill is None:
        assert found.kind == "clarify" and {i.skill for _, i in found.options} == {"sunfire-ward", "mire-mend"}
    else:
        assert found.kind == "action" and found.intent.skill == skill, found
