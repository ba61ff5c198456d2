"""A sharded bot: two bot instances on different shards share one PostgreSQL database.

Each serves only its own guilds' channels; when one stops, a new instance on the same shard picks up its
games where they were, a pending roll and a round waiting in its window included."""

from __future__ import annotations

import asyncio

import pytest

from bot.cogs import CampaignCog, PlayCog
from bot.run import shards
from bot.service import Place, Shards
from gm.settings import Settings
from test_bot import ALICE, BOB, Bot, FakeInteraction, clip_of, make_games

pytestmark = pytest.mark.postgres

GUILD_0, GUILD_1 = 1000 << 22, 1001 << 22  # Discord's rule: shard = (guild_id >> 22) % shard_count
FIGHT, ROUND, OTHER = Place(GUILD_0, 10), Place(GUILD_0, 11), Place(GUILD_1, 20)


def instance(tmp_path, url: str, shard: int) -> Bot:
    """One bot process's objects: its own ChannelGames on the shared database (and the shared save folder,
    where the turn checkpoints live)."""
    return Bot(make_games(tmp_path, database_url=url, shards=Shards((shard,), 2), window=0.3))


async def call(bot: Bot, cog, command, user, where: Place, *args) -> FakeInteraction:
    return await bot.call(cog, command, user, *args, guild_id=where.guild, channel_id=where.channel)


async def act(bot: Bot, user, where: Place, text: str) -> FakeInteraction:
    return await call(bot, bot.play, PlayCog.act, user, where, text)


def test_two_shards_share_postgres_and_a_restarted_shard_resumes_its_games(tmp_path, postgres_url):
    async def scenario():
        a, b = instance(tmp_path, postgres_url, 0), instance(tmp_path, postgres_url, 1)
        for bot, where in [(a, FIGHT), (a, ROUND), (b, OTHER)]:
            started = await call(bot, bot.campaign, CampaignCog.start, ALICE, where, "lantern-of-mirefen", None)
            assert started.reply.title == "The Lantern of Mirefen"
            await call(bot, bot.play, PlayCog.join, ALICE, where, "Wren")
        refused = await call(a, a.campaign, CampaignCog.start, BOB, Place(GUILD_1, 21), "derelict-signal", None)
        assert "another shard" in refused.reply.description, "a guild of shard 1 is not served by shard 0"

        # shard 0 gets its fight to a pending roll; shard 1 plays its own game meanwhile
        for line in ["go east", "go east"]:
            await act(a, ALICE, FIGHT, line)
            await act(b, ALICE, OTHER, "go north")
        game = await a.game(FIGHT)
        while game.world().combat.up != "wren":
            await act(a, ALICE, FIGHT, "wait")
        waiting = await act(a, ALICE, FIGHT, "attack bog troll")
        assert "view" in waiting.sent[-1]
        # and a round is waiting in the other channel's window when shard 0 stops
        pending_round = asyncio.ensure_future(act(a, ALICE, ROUND, "talk to tomas"))
        round_game = await a.game(ROUND)
        while not round_game.waiting_actions():
            await asyncio.sleep(0.05)
        stored = len(game.log())
        a.games.close()  # shard 0's process stops
        assert "kept" in (await pending_round).reply.description, "the player is told the action is kept"

        # shard 1 is unaffected
        played = await act(b, ALICE, OTHER, "go south")
        assert played.reply.title.startswith("Wren: go south") and clip_of(played) is not None
        assert await b.games.recover() == [], "shard 1 never touches shard 0's channels"

        # a new process for shard 0 picks up its games from the database
        c = instance(tmp_path, postgres_url, 0)
        posts = await c.games.recover()
        assert [where for where, _ in posts] == [ROUND]
        assert "Tomas" in posts[0][1].text and "after a restart" in posts[0][1].text
        status = await call(c, c.campaign, CampaignCog.status, ALICE, FIGHT)
        assert "Waiting for a roll" in status.reply.description
        interaction = FakeInteraction(ALICE, guild_id=FIGHT.guild, channel_id=FIGHT.channel)
        from bot.cogs import RollButton
        RollButton.games = c.games
        await RollButton(FIGHT.channel).callback(interaction)
        assert "Rolls" in [f.name for f in interaction.reply.fields]
        log = (await c.game(FIGHT)).log()
        assert len(log) == stored + 1 and clip_of(interaction) == f"turn-{log[-1].number:04d}.mp4"
        assert (await b.game(OTHER)).world().party_location == "village-green", "shard 1's game is its own"
        b.games.close()
        c.games.close()

    asyncio.run(scenario())


def test_shard_settings():
    assert shards(Settings()) == Shards(None, 1)
    mine = shards(Settings(discord_shard_ids=[1, 3], discord_shard_count=4))
    assert mine.owns(1 << 22) and mine.owns(7 << 22) and not mine.owns(2 << 22)
    with pytest.raises(ValueError, match="SHARD_COUNT"):
        shards(Settings(discord_shard_ids=[0]))
    with pytest.raises(ValueError, match="0..1"):
        shards(Settings(discord_shard_ids=[2], discord_shard_count=2))
