"""Every shipped campaign can be played to its end with plain commands."""

from __future__ import annotations

import pytest

from conftest import CAMPAIGNS
from gm.game import Game
from playthrough import SHIPPED, play_to_end


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_campaign_plays_to_the_end(name, saves):
    game = Game.create(CAMPAIGNS / f"{name}.yaml", saves, seed=4)
    results = play_to_end(game, **SHIPPED[name])
    assert all(r.ok for r in results[:len(SHIPPED[name]["opening"])]), [r.narration for r in results if not r.ok]
    state = game.final_state()
    assert state["status"] == "completed"
    assert all(q["status"] == "completed" for q in state["quests"].values())


def test_the_readmes_play_examples_are_plain_commands_of_a_shipped_campaign():
    """A newcomer who types the README's examples gets somewhere: each one names things of the shipped campaign it
    is given for (they used to name the characters of a campaign that is not shipped)."""
    import re

    from conftest import ROOT
    from gm.agent.commands import parse_command
    from gm.campaign import load_campaign
    from gm.state.world import World

    playing = (ROOT / "README.md").read_text(encoding="utf-8").split("\n## Playing\n", 1)[1].split("\n## ", 1)[0]
    title, examples = re.search(r"here in\s+(.+?):((?:\s*`[^`]+`,?)+)", playing).groups()
    campaigns = {c.title: c for c in (load_campaign(path) for path in sorted(CAMPAIGNS.glob("*.yaml")))}
    world = World.new(campaigns[" ".join(title.split())])
    commands = [" ".join(example.split()) for example in re.findall(r"`([^`]+)`", examples)]
    assert len(commands) >= 8
    unparsed = [command for command in commands if parse_command(world, command) is None]
    assert unparsed == [], "README examples that are no command in their campaign"
