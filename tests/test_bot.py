"""The Discord bot's real command handlers, driven by fake interactions (no network).

Players type free text, grounded by the real embedding model; every turn that shows something must come
with its own clip.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

import discord

import pytest

from bot.cogs import CampaignCog, DirectorCog, PlayCog, RollButton, send
from bot.service import ChannelGames, Place, RateLimiter, Reply
from gm.agent.grounding import EmbeddingGrounder
from gm.game import Components, Game
from gm.runtime import make_planner
from gm.settings import Settings
from worldgen.backends.storyboard import StoryboardBackend
from worldgen.plan import SegmentPlan
from worldgen.recorder import GameVideo

GUILD, CHANNEL = 81234567890123456, 4242
HERE = Place(GUILD, CHANNEL)


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
    guild_id: int = GUILD
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
SETTINGS = Settings(segment_frames=12)


@pytest.fixture(scope="module")
def grounder() -> EmbeddingGrounder:
    from gm.agent.models import load_embedder
    return EmbeddingGrounder(load_embedder())


class FailingPlanner:
    """The real planner, which raises a non-RuntimeError while ``failing`` is set (a bug in some stage)."""

    def __init__(self):
        self.plan, self.failing = make_planner(SETTINGS), False

    def __call__(self, *args):
        if self.failing:
            raise KeyError("a stage of the turn broke")
        return self.plan(*args)


def make_games(data: Path, grounder=None, clip_limit: int = 10 * 2**20, window: float = 0.3,
               planner=None, **kwargs) -> ChannelGames:
    def recorder(game):
        opening = make_planner(SETTINGS)(game.world(), [], game.world().turn, None)[-1]
        return GameVideo(StoryboardBackend(), SegmentPlan.model_validate(opening), game.folder, SETTINGS.fps,
                         clip_limit)

    return ChannelGames(data, Components(grounder=grounder, planner=planner or make_planner(SETTINGS)),
                        window=window, recorder_factory=recorder, rate=RateLimiter(count=100, per=1), **kwargs)


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

    async def act(self, user: FakeUser, text: str, **kwargs) -> FakeInteraction:
        return await self.call(self.play, PlayCog.act, user, text, **kwargs)

    async def roll_button(self, user: FakeUser, channel: int = CHANNEL) -> FakeInteraction:
        interaction = FakeInteraction(user, channel_id=channel)
        await RollButton(channel).callback(interaction)
        return interaction

    async def game(self, where: Place = HERE) -> Game:
        return (await self.games.session(where)).game


def run(coro):
    return asyncio.run(coro)


async def stored_turns(games: ChannelGames, where: Place = HERE):
    return (await games.session(where)).game.log()


def clip_of(interaction: FakeInteraction) -> str | None:
    sent = interaction.sent[-1]
    return sent["file"].filename if "file" in sent else None


async def in_one_window(bot: Bot, actions: list[tuple[FakeUser, str]], where: Place = HERE) -> list[FakeInteraction]:
    """Players act within one round window, each arriving after the one before (a round resolves in order)."""
    game, acts = await bot.game(where), []
    for user, line in actions:
        acts.append(asyncio.ensure_future(bot.act(user, line, channel_id=where.channel, guild_id=where.guild)))
        while len(game.waiting_actions()) < len(acts):
            await asyncio.sleep(0.02)
    return await asyncio.gather(*acts)


async def start_lantern(bot: Bot, *players: tuple[FakeUser, str]) -> None:
    await bot.call(bot.campaign, CampaignCog.start, ALICE, "lantern-of-mirefen", None)
    for user, character in players:
        await bot.call(bot.play, PlayCog.join, user, character)


async def walk_into_the_fight(bot: Bot, user: FakeUser) -> FakeInteraction:
    for line in ["let's head east along the path", "keep going east to the chapel"]:
        moved = await bot.act(user, line)
    return moved


def test_three_players_play_a_quest_stage_and_a_fight(tmp_path, grounder):
    async def scenario():
        bot = Bot(make_games(tmp_path, grounder, window=1.0))
        start = await bot.call(bot.campaign, CampaignCog.start, ALICE, "lantern-of-mirefen", None)
        assert start.reply.title == "The Lantern of Mirefen"
        assert "Tomas" in start.reply.description, "the opening sets the scene: who is at the start"
        await bot.call(bot.play, PlayCog.join, ALICE, "Wren")
        joined = await bot.call(bot.play, PlayCog.join, BOB, "Riku | tall young man in a red scarf")
        assert "plays **Riku**" in joined.reply.description
        await bot.call(bot.play, PlayCog.join, CARA, "Mina")
        taken = await bot.call(bot.play, PlayCog.join, CARA, "Wren")
        assert "already played by Alice" in taken.reply.description

        # three players at once, outside combat, in their own words: one turn resolves all three, each once
        before = len(await stored_turns(bot.games))
        replies = await in_one_window(bot, [(ALICE, "ask tomas what happened to the lantern"),
                                            (BOB, "I look around the green"), (CARA, "head north to the hut")])
        assert all("Tomas:" in r.reply.description for r in replies), "everyone sees the round's outcome"
        turns = (await stored_turns(bot.games))[before:]
        assert len(turns) == 1
        assert turns[0].input == ("Wren: ask tomas what happened to the lantern / Riku: I look around the green / "
                                  "Mina: head north to the hut"), "in the order they arrived"
        kinds = [e["kind"] for e in turns[0].events]
        assert kinds.count("learned") == 1 and kinds.count("moved") == 1
        clips = [clip_of(r) for r in replies]
        assert clips.count(f"turn-{turns[0].number:04d}.mp4") == 1 and clips.count(None) == 2, "one turn, one clip"
        back = await bot.act(ALICE, "we go back south")
        assert clip_of(back) == f"turn-{turns[0].number + 1:04d}.mp4"
        quest = await bot.call(bot.play, PlayCog.quests, BOB)
        assert "Prepare to face the troll" in quest.reply.description

        moved = await walk_into_the_fight(bot, ALICE)
        assert any(f.name == "Initiative" for f in moved.reply.fields), "the fight starts and says whose turn it is"
        assert clip_of(moved) == f"turn-{(await bot.game()).world().turn:04d}.mp4", "the turn's own clip"

        attacks = 0
        for _ in range(12):
            world = (await bot.game()).world()
            if world.combat is None:
                break
            up = world.combat.up
            player = {"wren": ALICE, "riku": BOB, "mina": CARA}[up]
            other = next(u for u in (ALICE, BOB, CARA) if u is not player)
            out_of_turn = await bot.act(other, "I swing at the troll")
            assert "turn" in out_of_turn.reply.description
            waiting = await bot.act(player, "attack the troll")
            assert "view" in waiting.sent[-1], "the roll is a button"
            assert clip_of(waiting) is None, "nothing happened yet: no clip (and never the previous turn's)"
            stolen = await bot.roll_button(other)
            assert "another player" in stolen.reply.description
            rolled = await bot.roll_button(player)
            assert "Rolls" in [f.name for f in rolled.reply.fields], (rolled.reply.title, rolled.reply.description)
            number = (await stored_turns(bot.games))[-1].number
            assert clip_of(rolled) == f"turn-{number:04d}.mp4", "the rolled turn gets its clip, attached"
            attacks += 1
        events = [e for t in await stored_turns(bot.games) for e in t.events]
        assert attacks >= 2 and any(e["kind"] == "attack" and e["actor"] == "bog-troll" for e in events)
        status = await bot.call(bot.campaign, CampaignCog.status, CARA)
        assert "<@1> as wren" in status.reply.fields[0].value
        bot.games.close()

    run(scenario())


def test_permissions_and_safety(tmp_path, grounder):
    async def scenario():
        bot = Bot(make_games(tmp_path, grounder))
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
        assert ended.reply.title == "Campaign ended" and await bot.games.session(HERE) is None
        bot.games.close()

    run(scenario())


def test_restart_mid_campaign_loses_nothing(tmp_path, grounder):
    async def first_run():
        bot = Bot(make_games(tmp_path, grounder))
        await start_lantern(bot, (ALICE, "Wren"))
        await bot.act(ALICE, "ask tomas about the lantern")
        await walk_into_the_fight(bot, ALICE)
        world = (await bot.game()).world()
        while world.combat is not None and world.combat.up != "wren":
            await bot.act(ALICE, "wait")
            world = (await bot.game()).world()
        waiting = await bot.act(ALICE, "shoot the troll with my bow")
        assert "view" in waiting.sent[-1]
        stored = len(await stored_turns(bot.games))
        bot.games.close()  # the bot stops with a roll pending
        return stored

    stored = run(first_run())

    async def second_run():
        bot = Bot(make_games(tmp_path, grounder))  # a fresh process's worth of objects on the same data
        status = await bot.call(bot.campaign, CampaignCog.status, ALICE)
        assert "Sunken Chapel" in status.reply.description and "Waiting for a roll" in status.reply.description
        rolled = await bot.roll_button(ALICE)
        assert "Rolls" in [f.name for f in rolled.reply.fields]
        turns = await stored_turns(bot.games)
        assert len(turns) == stored + 1
        assert clip_of(rolled) == f"turn-{turns[-1].number:04d}.mp4", "resumed through the session: clip and all"
        bot.games.close()

    run(second_run())


def test_a_turn_that_raises_is_rolled_back_and_said_in_the_channel(tmp_path, grounder):
    planner = FailingPlanner()

    async def scenario():
        bot = Bot(make_games(tmp_path, grounder, planner=planner))
        await start_lantern(bot, (ALICE, "Wren"), (BOB, "Mina"))
        before = (await bot.game()).world()
        planner.failing = True
        # a round (two players in the window) and a single action, both failing with a non-RuntimeError
        replies = await asyncio.gather(bot.act(ALICE, "go north"), bot.act(BOB, "look around"))
        single = await bot.act(ALICE, "go north")
        for reply in [*replies, single]:
            assert reply.reply.title == "That turn failed" and "undone" in reply.reply.description
            assert not reply.sent[-1]["ephemeral"], "said in the channel, not only to the one who acted"
        game = await bot.game()
        assert game.pending() is None, "rolled back: nothing left to re-run"
        assert game.world().turn == before.turn and game.world().party_location == before.party_location
        status = await bot.call(bot.campaign, CampaignCog.status, BOB)
        assert status.reply.title == "The Lantern of Mirefen"
        planner.failing = False
        moved = await bot.act(ALICE, "go north")
        assert "Hut" in moved.reply.description or moved.reply.title.startswith("Wren")
        assert game.world().party_location == "herb-hut" and clip_of(moved) is not None, "play goes on"
        bot.games.close()

    run(scenario())


CRASH_MID_TURN = """
import os, sys
from pathlib import Path
from gm.game import Components, Game
from gm.runtime import make_planner
from gm.settings import Settings

def planner(*args):
    os._exit(9)  # the process dies while the turn is being played

data = Path(sys.argv[1])
game = Game.open(sys.argv[2], data / "saves", f"sqlite:///{data / 'discord.sqlite'}",
                 components=Components(planner=planner), player_rolls=True)
game.act("go north", actor="wren")
"""


def crash_mid_turn(tmp_path, grounder, **games) -> str:
    """Start Mirefen in a channel, then let a real child process die (os._exit) in the middle of a turn on it."""
    import subprocess
    import sys

    async def first_run():
        bot = Bot(make_games(tmp_path, grounder, **games))
        await start_lantern(bot, (ALICE, "Wren"))
        name = (await bot.game()).name
        bot.games.close()
        return name

    name = run(first_run())
    died = subprocess.run([sys.executable, "-c", CRASH_MID_TURN, str(tmp_path), name], cwd=Path(__file__).parent.parent,
                          capture_output=True, text=True, timeout=300)
    assert died.returncode == 9, died.stderr[-2000:]
    return name


def test_a_game_whose_unfinished_turn_keeps_failing_can_be_ended(tmp_path, grounder):
    """A process died mid-turn, and finishing that turn raises every time: after a restart, status, play and
    end all still work (the turn is undone, the players told)."""
    planner = FailingPlanner()
    crash_mid_turn(tmp_path, grounder, planner=planner)

    async def second_run():
        planner.failing = True
        bot = Bot(make_games(tmp_path, grounder, planner=planner))
        assert (await bot.game()).pending()["type"] == "resume", "the dead process left its turn checkpointed"
        status = await bot.call(bot.campaign, CampaignCog.status, ALICE)
        assert "cut off" in status.reply.description
        failed = await bot.act(ALICE, "look")
        assert failed.reply.title == "That turn failed" and not failed.sent[-1]["ephemeral"]
        assert (await bot.game()).pending() is None and (await bot.game()).world().turn == 0
        ended = await bot.call(bot.campaign, CampaignCog.end, ALICE)
        assert ended.reply.title == "Campaign ended"
        assert await bot.games.session(HERE) is None
        bot.games.close()

    run(second_run())


def test_a_slow_turn_never_freezes_other_channels(tmp_path, grounder):
    import threading

    entered, release = threading.Event(), threading.Event()
    plan = make_planner(SETTINGS)

    def slow_planner(before, events, turn, previous):
        if before.party_location == "village-green" and any(e.kind == "moved" for e in events):
            entered.set()
            release.wait(30)  # stands for a slow model or renderer
        return plan(before, events, turn, previous)

    other = Place(GUILD, CHANNEL + 1)

    async def scenario():
        bot = Bot(make_games(tmp_path, grounder, planner=slow_planner, window=0))
        await start_lantern(bot, (ALICE, "Wren"))
        await bot.call(bot.campaign, CampaignCog.start, BOB, "derelict-signal", None, channel_id=other.channel)
        slow = asyncio.ensure_future(bot.act(ALICE, "go north"))
        assert await asyncio.to_thread(entered.wait, 30)
        try:
            status = await asyncio.wait_for(bot.call(bot.campaign, CampaignCog.status, BOB,
                                                     channel_id=other.channel), 20)
            assert "turn 0" in status.reply.description and not slow.done()
        finally:
            release.set()
        assert (await slow).reply.title.startswith("Wren")
        bot.games.close()

    run(scenario())


def test_a_round_waiting_at_a_restart_is_played_after_it(tmp_path, grounder):
    async def first_run():
        bot = Bot(make_games(tmp_path, grounder, window=60))
        await start_lantern(bot, (ALICE, "Wren"), (BOB, "Mina"))
        game, acts = await bot.game(), []
        for user, line in [(ALICE, "ask tomas about the lantern"), (BOB, "walk north to the hut")]:
            acts.append(asyncio.ensure_future(bot.act(user, line)))
            while len(game.waiting_actions()) < len(acts):
                await asyncio.sleep(0.05)
        for act in acts:  # the process stops inside the round window
            act.cancel()
        bot.games.close()

    run(first_run())

    async def second_run():
        games = make_games(tmp_path, grounder)
        posts = await games.recover()
        assert [p for p, _ in posts] == [HERE]
        reply = posts[0][1]
        assert "after a restart" in reply.text and "<@1>" in reply.text and "<@2>" in reply.text
        game = (await games.session(HERE)).game
        turn = game.log()[-1]
        assert turn.input == "Wren: ask tomas about the lantern / Mina: walk north to the hut"
        assert reply.clip is not None and reply.clip.name == f"turn-{turn.number:04d}.mp4"
        assert game.waiting_actions() == [] and await games.recover() == []
        games.close()

    run(second_run())


def test_a_round_that_cannot_be_played_after_a_restart_is_reported_lost(tmp_path, grounder):
    planner = FailingPlanner()

    async def scenario():
        games = make_games(tmp_path, grounder, planner=planner)
        bot = Bot(games)
        await start_lantern(bot, (ALICE, "Wren"))
        game = await bot.game()
        game.add_waiting_action("1", "wren", "go north")  # left by a process that stopped in the window
        planner.failing = True
        posts = await games.recover()
        assert len(posts) == 1 and posts[0][1].title == "The round was lost"
        assert "<@1>: go north" in posts[0][1].text and "act again" in posts[0][1].text
        assert game.waiting_actions() == [] and game.pending() is None and game.world().turn == 0
        games.close()

    run(scenario())


def test_oversized_clip_falls_back(tmp_path, grounder):
    async def scenario():
        bot = Bot(make_games(tmp_path, grounder, clip_limit=1800))
        await start_lantern(bot, (ALICE, "Wren"))
        reply = await bot.act(ALICE, "go north")
        sent = reply.sent[-1]
        assert sent["file"].filename.endswith(".webp"), "no MP4 fits in 1800 bytes: an animated WebP instead"
        small = FakeInteraction(ALICE, filesize_limit=10)
        await send(small, Reply("x", "y", clip=Path((await bot.games.session(HERE)).last_clip)))
        assert "file" not in small.sent[-1], "never attach more than the channel allows"
        bot.games.close()

    run(scenario())


class Upload:
    def __init__(self, data: bytes, filename: str = "mine.yaml"):
        self.data, self.filename = data, filename

    async def read(self) -> bytes:
        return self.data


def test_malformed_upload_is_reported_with_locations(tmp_path):
    lantern = (Path(__file__).parent.parent / "campaigns" / "lantern-of-mirefen.yaml").read_bytes()
    line = next(i for i, text in enumerate(lantern.decode().splitlines(), 1) if "exits: {south: village-green}" in text)
    broken = lantern.replace(b"exits: {south: village-green}", b"exits: {south: nowhere}")

    async def scenario():
        bot = Bot(make_games(tmp_path))
        reply = await bot.call(bot.campaign, CampaignCog.start, ALICE, None, Upload(broken))
        assert not reply.sent[-1]["ephemeral"], "reported in the channel"
        assert f"mine.yaml:{line}:" in reply.reply.description
        assert "unknown location 'nowhere'" in reply.reply.description
        assert await bot.games.session(HERE) is None
        junk = await bot.call(bot.campaign, CampaignCog.start, ALICE, None, Upload(b"\x00\xff" * 100))
        assert "problems" in junk.reply.title
        good = await bot.call(bot.campaign, CampaignCog.start, ALICE, None, Upload(lantern))
        assert good.reply.title == "The Lantern of Mirefen"
        bot.games.close()

    run(scenario())


def test_the_bot_posts_recovered_rounds_when_it_is_ready(tmp_path, grounder):
    """The real AutoShardedBot's on_ready, with a fake channel in place of Discord's."""
    from bot.cogs import WorldkeeperBot

    class FakeChannel:
        guild = None

        def __init__(self):
            self.sent = []

        async def send(self, **kwargs):
            self.sent.append(kwargs)

    async def scenario():
        games = make_games(tmp_path, grounder)
        bot = Bot(games)
        await start_lantern(bot, (ALICE, "Wren"))
        (await bot.game()).add_waiting_action("1", "wren", "go north")  # left by a process stopped in the window
        discord_bot = WorldkeeperBot(games, shard_ids=[0], shard_count=1)
        channel = FakeChannel()
        discord_bot.get_channel = lambda channel_id: channel if channel_id == CHANNEL else None
        await discord_bot.on_ready()
        await discord_bot.on_ready()  # again after a reconnect: nothing twice
        assert len(channel.sent) == 1
        sent = channel.sent[0]
        assert "heads north" in sent["embed"].description and sent["allowed_mentions"].everyone is False
        assert sent["file"].filename == "turn-0001.mp4"
        games.close()

    run(scenario())


def test_a_turn_cut_off_by_a_crash_is_finished_and_shown_with_the_next(tmp_path, grounder):
    crash_mid_turn(tmp_path, grounder, window=0)

    async def second_run():
        bot = Bot(make_games(tmp_path, grounder, window=0))
        looked = await bot.act(ALICE, "look around")
        finished = looked.reply.fields[0]
        assert finished.name == "Finished after a restart: go north" and "north" in finished.value
        assert [t.input for t in (await bot.game()).log()] == ["go north", "look around"]
        bot.games.close()

    run(second_run())
