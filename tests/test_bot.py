"""The Discord bot's real command handlers, driven by fake interactions (no network)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

import discord

from bot.cogs import CampaignCog, DirectorCog, PlayCog, RollButton, send
from bot.service import ChannelGames, RateLimiter, Reply
from gm.game import Components
from gm.runtime import make_planner
from gm.settings import Settings
from worldgen.backends.storyboard import StoryboardBackend
from worldgen.plan import SegmentPlan
from worldgen.recorder import GameVideo

CHANNEL = 4242


@dataclass
class FakeUser:
    id: int
    display_name: str


@dataclass
class FakePermissions:
    manage_guild: bool = False
    administrator: bool = False


class FakeResponse:
    def __init__(self, interaction):
        self.interaction, self.done = interaction, False

    def is_done(self) -> bool:
        return self.done

    async def defer(self, **kwargs) -> None:
        self.done = True

    async def send_message(self, **kwargs) -> None:
        self.done = True
        self.interaction.sent.append(kwargs)


class FakeFollowup:
    def __init__(self, interaction):
        self.interaction = interaction

    async def send(self, **kwargs) -> None:
        self.interaction.sent.append(kwargs)


@dataclass
class FakeInteraction:
    user: FakeUser
    channel_id: int = CHANNEL
    permissions: FakePermissions = field(default_factory=FakePermissions)
    filesize_limit: int = 10 * 2**20
    sent: list = field(default_factory=list)

    def __post_init__(self) -> None:
        self.response = FakeResponse(self)
        self.followup = FakeFollowup(self)

    @property
    def reply(self) -> discord.Embed:
        assert self.sent, "no reply was sent"
        kwargs = self.sent[-1]
        assert kwargs["allowed_mentions"].everyone is False and kwargs["allowed_mentions"].users is False
        return kwargs["embed"]


ALICE, BOB, CARA = FakeUser(1, "Alice"), FakeUser(2, "Bob"), FakeUser(3, "Cara")


def make_games(data: Path, clip_limit: int = 10 * 2**20, window: float = 0.3) -> ChannelGames:
    settings = Settings(segment_frames=12)

    def recorder(game):
        opening = make_planner(settings)(game.world(), [], game.world().turn, None)[-1]
        return GameVideo(StoryboardBackend(), SegmentPlan.model_validate(opening), game.folder, settings.fps,
                         clip_limit)

    return ChannelGames(data, Components(planner=make_planner(settings)), window=window, recorder_factory=recorder,
                        rate=RateLimiter(count=100, per=1))


class Bot:
    """The three cogs over one ChannelGames, called the way discord.py calls them."""

    def __init__(self, games: ChannelGames):
        self.games = games
        self.campaign, self.play, self.director = CampaignCog(games), PlayCog(games), DirectorCog(games)
        RollButton.games = games

    async def call(self, cog, command, user: FakeUser, *args, **kwargs) -> FakeInteraction:
        interaction = FakeInteraction(user, **kwargs)
        await command.callback(cog, interaction, *args)
        return interaction

    async def act(self, user: FakeUser, text: str) -> FakeInteraction:
        return await self.call(self.play, PlayCog.act, user, text)

    async def roll_button(self, user: FakeUser) -> FakeInteraction:
        interaction = FakeInteraction(user)
        await RollButton(CHANNEL).callback(interaction)
        return interaction


def run(coro):
    return asyncio.run(coro)


def _stored_turns(games: ChannelGames):
    session = games.session(CHANNEL)
    return session.game.store.turns(session.game.name)


def test_three_players_play_a_quest_stage_and_a_fight(tmp_path):
    async def scenario():
        bot = Bot(make_games(tmp_path))
        start = await bot.call(bot.campaign, CampaignCog.start, ALICE, "lantern-of-mirefen", None)
        assert start.reply.title == "The Lantern of Mirefen"
        assert "Wren plays" not in start.reply.description
        await bot.call(bot.play, PlayCog.join, ALICE, "Wren")
        joined = await bot.call(bot.play, PlayCog.join, BOB, "Riku | tall young man in a red scarf")
        assert "plays **Riku**" in joined.reply.description
        await bot.call(bot.play, PlayCog.join, CARA, "Mina")
        taken = await bot.call(bot.play, PlayCog.join, CARA, "Wren")
        assert "already played by Alice" in taken.reply.description

        # three players at once, outside combat: one turn resolves all three, each exactly once
        before = len(_stored_turns(bot.games))
        replies = await asyncio.gather(bot.act(ALICE, "talk to tomas"), bot.act(BOB, "look"),
                                       bot.act(CARA, "go north"))
        assert all("Tomas:" in r.reply.description for r in replies), "everyone sees the round's outcome"
        turns = _stored_turns(bot.games)[before:]
        assert len(turns) == 1
        assert turns[0].input == "Wren: talk to tomas / Riku: look / Mina: go north"
        kinds = [e["kind"] for e in turns[0].events]
        assert kinds.count("learned") == 1 and kinds.count("moved") == 1
        assert sum("file" in r.sent[-1] for r in replies) == 1, "one turn, one clip"
        await bot.act(ALICE, "go south")
        quest = await bot.call(bot.play, PlayCog.quests, BOB)
        assert "Prepare to face the troll" in quest.reply.description

        for line in ["go east", "go east"]:
            moved = await bot.act(ALICE, line)
        assert any(f.name == "Initiative" for f in moved.reply.fields), "the fight starts and says whose turn it is"
        assert "file" in moved.sent[-1], "the turn's clip is attached"

        attacks = 0
        for _ in range(12):
            world = bot.games.session(CHANNEL).game.world()
            if world.combat is None:
                break
            up = world.combat.up
            player = {"wren": ALICE, "riku": BOB, "mina": CARA}[up]
            other = next(u for u in (ALICE, BOB, CARA) if u is not player)
            out_of_turn = await bot.act(other, "attack bog troll")
            assert "turn" in out_of_turn.reply.description
            waiting = await bot.act(player, "attack bog troll")
            assert "view" in waiting.sent[-1], "the roll is a button"
            stolen = await bot.roll_button(other)
            assert "another player" in stolen.reply.description
            rolled = await bot.roll_button(player)
            assert "Rolls" in [f.name for f in rolled.reply.fields]
            attacks += 1
        events = [e for t in _stored_turns(bot.games) for e in t.events]
        assert attacks >= 2 and any(e["kind"] == "attack" and e["actor"] == "bog-troll" for e in events)
        status = await bot.call(bot.campaign, CampaignCog.status, CARA)
        assert "<@1> as wren" in status.reply.fields[0].value
        bot.games.close()

    run(scenario())


def test_permissions_and_safety(tmp_path):
    async def scenario():
        bot = Bot(make_games(tmp_path))
        await bot.call(bot.campaign, CampaignCog.start, ALICE, "derelict-signal", None)
        await bot.call(bot.play, PlayCog.join, BOB, "Rook")
        refused = await bot.call(bot.campaign, CampaignCog.end, BOB)
        assert refused.sent[-1]["ephemeral"] and "owner" in refused.reply.description
        event = await bot.call(bot.director, DirectorCog.event, BOB, "A meteor hits the station")
        assert "owner" in event.reply.description
        paused = await bot.call(bot.director, DirectorCog.pause, CARA, permissions=FakePermissions(manage_guild=True))
        assert paused.reply.title == "Paused"
        blocked = await bot.act(BOB, "take power cell")
        assert "paused" in blocked.reply.description
        await bot.call(bot.director, DirectorCog.resume, ALICE)
        mention = await bot.act(BOB, "@everyone take the power cell")
        assert mention.sent[-1]["allowed_mentions"].everyone is False
        unjoined = await bot.act(CARA, "look")
        assert "Join first" in unjoined.reply.description
        bot.games.rate = RateLimiter(count=2, per=60)
        flood = [await bot.act(BOB, "look") for _ in range(3)]
        assert "Slow down" in flood[-1].reply.description
        ended = await bot.call(bot.campaign, CampaignCog.end, ALICE)
        assert ended.reply.title == "Campaign ended" and bot.games.session(CHANNEL) is None
        bot.games.close()

    run(scenario())


def test_restart_mid_campaign_loses_nothing(tmp_path):
    async def first_run():
        bot = Bot(make_games(tmp_path))
        await bot.call(bot.campaign, CampaignCog.start, ALICE, "lantern-of-mirefen", None)
        await bot.call(bot.play, PlayCog.join, ALICE, "Wren")
        for line in ["talk to tomas", "go east", "go east"]:
            await bot.act(ALICE, line)
        world = bot.games.session(CHANNEL).game.world()
        while world.combat is not None and world.combat.up != "wren":
            await bot.act(ALICE, "wait")
            world = bot.games.session(CHANNEL).game.world()
        waiting = await bot.act(ALICE, "attack bog troll")
        assert "view" in waiting.sent[-1]
        bot.games.close()  # the bot stops with a roll pending
        return len(_stored_turns(make_games(tmp_path)))

    stored = run(first_run())

    async def second_run():
        bot = Bot(make_games(tmp_path))  # a fresh process's worth of objects on the same data
        status = await bot.call(bot.campaign, CampaignCog.status, ALICE)
        assert "Sunken Chapel" in status.reply.description
        rolled = await bot.roll_button(ALICE)
        assert "Rolls" in [f.name for f in rolled.reply.fields]
        assert len(_stored_turns(bot.games)) == stored + 1
        bot.games.close()

    run(second_run())


def test_oversized_clip_falls_back(tmp_path):
    async def scenario():
        bot = Bot(make_games(tmp_path, clip_limit=1800))
        await bot.call(bot.campaign, CampaignCog.start, ALICE, "lantern-of-mirefen", None)
        await bot.call(bot.play, PlayCog.join, ALICE, "Wren")
        reply = await bot.act(ALICE, "go north")
        sent = reply.sent[-1]
        assert sent["file"].filename.endswith(".webp"), "no MP4 fits in 1800 bytes: an animated WebP instead"
        small = FakeInteraction(ALICE, filesize_limit=10)
        await send(small, Reply("x", "y", clip=Path(bot.games.session(CHANNEL).last_clip)))
        assert "file" not in small.sent[-1], "never attach more than the channel allows"
        bot.games.close()

    run(scenario())


def test_malformed_upload_is_reported_with_locations(tmp_path, mirefen_path):
    broken = mirefen_path.read_bytes().replace(b"exits: {south: village-green}", b"exits: {south: nowhere}")

    class Upload:
        filename = "mine.yaml"

        async def read(self):
            return broken

    async def scenario():
        bot = Bot(make_games(tmp_path))
        reply = await bot.call(bot.campaign, CampaignCog.start, ALICE, None, Upload())
        assert reply.sent[-1]["ephemeral"]
        assert "mine.yaml:" in reply.reply.description and "unknown location 'nowhere'" in reply.reply.description
        assert bot.games.session(CHANNEL) is None
        junk = Upload()
        junk.read = lambda: asyncio.sleep(0, result=b"\x00\xff" * 100)
        reply = await bot.call(bot.campaign, CampaignCog.start, ALICE, None, junk)
        assert "problems" in reply.reply.description
        good = Upload()
        good.read = lambda: asyncio.sleep(0, result=mirefen_path.read_bytes())
        reply = await bot.call(bot.campaign, CampaignCog.start, ALICE, None, good)
        assert reply.reply.title == "The Lantern of Mirefen"
        bot.games.close()

    run(scenario())
