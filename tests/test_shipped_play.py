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
