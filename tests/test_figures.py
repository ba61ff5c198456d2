"""The storyboard reads size, glow and species from a descriptor's whole words, never from parts of words."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import CAMPAIGNS
from gm.campaign import load_campaign
from worldgen.storyboard.backdrops import INDOOR, OPEN_WATER
from worldgen.storyboard.palette import has, read_look

# (body, size, glowing) for every character of every shipped campaign; a new character needs a line here
SHIPPED_FIGURES = {
    ("derelict-signal", "rook"): ("humanoid", 1.0, False),
    ("derelict-signal", "dr-okafor"): ("humanoid", 1.0, False),
    ("derelict-signal", "pip"): ("drone", 0.5, False),
    ("derelict-signal", "sentry-9"): ("machine", 1.35, False),
    ("lantern-of-mirefen", "wren"): ("humanoid", 1.0, False),
    ("lantern-of-mirefen", "tomas"): ("humanoid", 1.0, False),  # "grey beard" is no bear
    ("lantern-of-mirefen", "maud"): ("humanoid", 1.0, False),
    ("lantern-of-mirefen", "bramble"): ("animal", 1.0, False),
    ("lantern-of-mirefen", "bog-troll"): ("brute", 1.35, True),
}

EVENTS = [  # (/event descriptor, body, size, glowing)
    ("little glowing marsh sprite", "humanoid", 0.5, True),
    ("a huge paper dragon glowing orange", "beast", 1.35, True),
    ("a giant red robot with glowing eyes", "machine", 1.35, True),
    ("a tiny grey mouse", "animal", 0.5, False),
    ("an old fisherman with a bushy beard", "humanoid", 1.0, False),
    ("a woman walking her dog", "humanoid", 1.0, False),
    ("a bearded dwarf in a catskin cloak", "humanoid", 1.0, False),
    ("three black crows", "animal", 1.0, False),
    ("a luminous ghost drifting past", "humanoid", 1.0, True),
    ("a colossal kraken", "beast", 1.35, False),
]


def _characters():
    for path in sorted(CAMPAIGNS.glob("*.yaml")):
        campaign = load_campaign(path)
        for key, character in campaign.characters.items():
            yield path.stem, key, character


@pytest.mark.parametrize("campaign,key,character", list(_characters()), ids=lambda v: v if isinstance(v, str) else "")
def test_every_shipped_character_is_drawn_as_what_it_is(campaign, key, character):
    assert (campaign, key) in SHIPPED_FIGURES, f"say how {campaign}/{key} should be drawn in SHIPPED_FIGURES"
    look = read_look(character.kind.value, character.appearance, key)
    assert (look.body, look.size, look.glow is not None) == SHIPPED_FIGURES[campaign, key], character.appearance


@pytest.mark.parametrize("text,body,size,glowing", EVENTS, ids=[e[0] for e in EVENTS])
def test_event_descriptors(text, body, size, glowing):
    look = read_look("entity", text, "x")
    assert (look.body, look.size, look.glow is not None) == (body, size, glowing)


def test_words_are_whole_words_in_any_inflection():
    assert not has("stout headman, grey beard", "bear") and has("two brown bears", "bear")
    assert not has("metal catwalks", "cat") and has("three stray cats", "cat")
    assert has("wooden boardwalk through towering reeds, fireflies", "reed", "firefly")
    assert has("the wolves howl", "wolf") and has("glowing moss", "glow")
    assert has("unlit iron lantern post", "lantern post") and not has("a lantern by the post", "lantern post")


@pytest.mark.parametrize("visual,indoor,water", [
    ("space station docking bay, small shuttle docked, red emergency beacons", True, False),
    ("sci-fi medical bay, overturned beds", True, False),
    ("quiet bay at dawn, gentle waves on the shore", False, True),
    ("container port at night, black water, wet pier", False, True),
])
def test_a_bay_is_a_room_unless_by_open_water(visual, indoor, water):
    is_indoor = has(visual, *[w for w in INDOOR if w != "bay"]) or (has(visual, "bay") and not has(visual, *OPEN_WATER))
    assert is_indoor == indoor and has(visual, *OPEN_WATER) == water
