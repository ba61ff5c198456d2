"""Slash commands: one cog per feature, each a thin adapter over :class:`bot.service.ChannelGames`."""

from __future__ import annotations

import logging
import re

import discord
from discord import app_commands
from discord.ext import commands

from bot.service import ChannelGames, Place, Reply
from gm.safe_text import for_discord

log = logging.getLogger(__name__)
NO_MENTIONS = discord.AllowedMentions.none()


def embed(reply: Reply) -> discord.Embed:
    colour = discord.Colour.red() if reply.error else discord.Colour.gold()
    def safe(text: str) -> str:  # player and campaign text reach every part of a reply
        return for_discord(text, reply.mentions)

    out = discord.Embed(title=safe(reply.title)[:256], description=safe(reply.text)[:4096], colour=colour)
    for name, value in reply.fields[:10]:
        out.add_field(name=safe(name)[:256], value=safe(value)[:1024] or "—", inline=False)
    return out


def place(interaction: discord.Interaction) -> Place:
    return Place(interaction.guild_id or 0, interaction.channel_id)


def _user(interaction: discord.Interaction) -> str:
    return str(interaction.user.id)


def _manager(interaction: discord.Interaction) -> bool:
    perms = getattr(interaction, "permissions", None)
    return bool(perms and (perms.manage_guild or perms.administrator))


def message(reply: Reply, channel_id: int, filesize_limit: int) -> dict:
    """The keyword arguments that send a reply: its embed, its clip if it fits, and the roll button."""
    kwargs: dict = {"embed": embed(reply), "allowed_mentions": NO_MENTIONS}
    if reply.clip is not None and reply.clip.exists() and reply.clip.stat().st_size <= filesize_limit:
        kwargs["file"] = discord.File(reply.clip, filename=reply.clip.name)
    if reply.roll_button:
        view = discord.ui.View(timeout=None)
        view.add_item(RollButton(channel_id))
        kwargs["view"] = view
    return kwargs


async def send(interaction: discord.Interaction, reply: Reply) -> None:
    """Answer (or follow up a deferred interaction) with the reply's embed, clip and roll button."""
    kwargs = message(reply, interaction.channel_id, interaction.filesize_limit)
    kwargs["ephemeral"] = reply.ephemeral
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


class RollButton(discord.ui.DynamicItem[discord.ui.Button], template=r"wk-roll:(?P<channel>\d+)"):
    """A persistent button: it still works after the bot restarts, since the waiting turn is checkpointed."""

    games: ChannelGames | None = None  # set when the bot starts

    def __init__(self, channel: int):
        super().__init__(discord.ui.Button(label="Roll the dice", emoji="🎲", style=discord.ButtonStyle.primary,
                                           custom_id=f"wk-roll:{channel}"))
        self.channel = channel

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match[str], /):
        return cls(int(match["channel"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        assert self.games is not None
        await send(interaction, await self.games.press_roll(Place(interaction.guild_id or 0, self.channel),
                                                            _user(interaction)))


class CampaignCog(commands.GroupCog, group_name="campaign", group_description="Run a campaign in this channel"):
    def __init__(self, games: ChannelGames):
        self.games = games
        super().__init__()

    @app_commands.command(name="start", description="Start a campaign here; you become its owner")
    @app_commands.describe(campaign="A shipped campaign", file="Or upload your own campaign YAML file")
    async def start(self, interaction: discord.Interaction, campaign: str | None = None,
                    file: discord.Attachment | None = None) -> None:
        await interaction.response.defer(thinking=True)
        upload = await file.read() if file is not None else None
        reply = await self.games.start(place(interaction), _user(interaction), campaign, upload,
                                       file.filename if file is not None else "upload.yaml")
        await send(interaction, reply)

    @start.autocomplete("campaign")
    async def _campaigns(self, interaction: discord.Interaction, current: str):
        return [app_commands.Choice(name=c, value=c) for c in self.games.campaign_choices() if current in c][:25]

    @app_commands.command(name="end", description="End this channel's campaign (owner or Manage Server)")
    async def end(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await send(interaction, await self.games.end(place(interaction), _user(interaction), _manager(interaction)))

    @app_commands.command(name="status", description="Where the party is and who plays whom")
    async def status(self, interaction: discord.Interaction) -> None:
        await send(interaction, await self.games.status(place(interaction)))


class PlayCog(commands.Cog):
    def __init__(self, games: ChannelGames):
        self.games = games

    @app_commands.command(name="join", description="Play a character (an existing one, or a new one by name)")
    async def join(self, interaction: discord.Interaction, character: app_commands.Range[str, 1, 80]) -> None:
        await interaction.response.defer(thinking=True)  # a new character plays a turn
        await send(interaction, await self.games.join(place(interaction), _user(interaction),
                                                      interaction.user.display_name, character))

    @app_commands.command(name="act", description="Say what your character does")
    async def act(self, interaction: discord.Interaction, what: app_commands.Range[str, 1, 300]) -> None:
        await interaction.response.defer(thinking=True)  # the model and the video take a moment
        await send(interaction, await self.games.act(place(interaction), _user(interaction), what))

    @app_commands.command(name="roll", description="Roll dice, e.g. 1d20+2")
    async def roll(self, interaction: discord.Interaction, expression: app_commands.Range[str, 1, 60]) -> None:
        await send(interaction, await self.games.roll(place(interaction), _user(interaction), expression))

    @app_commands.command(name="party", description="The party's health and gear")
    async def party(self, interaction: discord.Interaction) -> None:
        await send(interaction, await self.games.party(place(interaction)))

    @app_commands.command(name="quests", description="The quest log")
    async def quests(self, interaction: discord.Interaction) -> None:
        await send(interaction, await self.games.quests(place(interaction)))


class DirectorCog(commands.Cog):
    def __init__(self, games: ChannelGames):
        self.games = games

    @app_commands.command(name="event", description="Something happens in the world (owner only)")
    async def event(self, interaction: discord.Interaction, text: app_commands.Range[str, 1, 300]) -> None:
        await interaction.response.defer(thinking=True)
        await send(interaction, await self.games.event(place(interaction), _user(interaction), text,
                                                       _manager(interaction)))

    @app_commands.command(name="pause", description="Pause the game (owner only)")
    async def pause(self, interaction: discord.Interaction) -> None:
        await send(interaction, await self.games.set_paused(place(interaction), _user(interaction),
                                                            _manager(interaction), True))

    @app_commands.command(name="resume", description="Resume the game (owner only)")
    async def resume(self, interaction: discord.Interaction) -> None:
        await send(interaction, await self.games.set_paused(place(interaction), _user(interaction),
                                                            _manager(interaction), False))


class WorldkeeperBot(commands.AutoShardedBot):
    """discord.py's own sharding: with ``shard_ids`` this process serves only those shards' guilds, and
    several processes (one database) split a large bot; unset, one process runs every shard."""

    def __init__(self, games: ChannelGames, *, shard_ids: list[int] | None = None, shard_count: int | None = None):
        intents = discord.Intents.default()  # slash commands need no privileged intents
        super().__init__(command_prefix=commands.when_mentioned, intents=intents, allowed_mentions=NO_MENTIONS,
                         shard_ids=shard_ids, shard_count=shard_count)
        self.games = games
        self._recovered = False

    async def setup_hook(self) -> None:
        RollButton.games = self.games
        self.add_dynamic_items(RollButton)
        for cog in (CampaignCog(self.games), PlayCog(self.games), DirectorCog(self.games)):
            await self.add_cog(cog)
        await self.tree.sync()

    async def on_ready(self) -> None:
        if self._recovered:  # on_ready fires again after reconnects
            return
        self._recovered = True
        for where, reply in await self.games.recover():
            try:
                channel = self.get_channel(where.channel) or await self.fetch_channel(where.channel)
                await channel.send(**message(reply, where.channel, channel.guild.filesize_limit
                                             if getattr(channel, "guild", None) else 10 * 2**20))
            except discord.DiscordException:
                log.exception("could not post a recovered round in channel %s", where.channel)
