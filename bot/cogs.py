"""Slash commands: one cog per feature, each a thin adapter over :class:`bot.service.ChannelGames`."""

from __future__ import annotations

import re

import discord
from discord import app_commands
from discord.ext import commands

from bot.service import ChannelGames, Reply
from gm.safe_text import for_discord_reply

NO_MENTIONS = discord.AllowedMentions.none()


def embed(reply: Reply) -> discord.Embed:
    colour = discord.Colour.red() if reply.error else discord.Colour.gold()
    safe = for_discord_reply  # player and campaign text reach every part of a reply
    out = discord.Embed(title=safe(reply.title)[:256], description=safe(reply.text)[:4096], colour=colour)
    for name, value in reply.fields[:10]:
        out.add_field(name=safe(name)[:256], value=safe(value)[:1024] or "—", inline=False)
    return out


def _manager(interaction: discord.Interaction) -> bool:
    perms = getattr(interaction, "permissions", None)
    return bool(perms and (perms.manage_guild or perms.administrator))


async def send(interaction: discord.Interaction, reply: Reply) -> None:
    """Answer (or follow up a deferred interaction) with the reply's embed, clip and roll button."""
    kwargs: dict = {"embed": embed(reply), "allowed_mentions": NO_MENTIONS, "ephemeral": reply.ephemeral}
    if reply.clip is not None and reply.clip.exists():
        if reply.clip.stat().st_size <= interaction.filesize_limit:
            kwargs["file"] = discord.File(reply.clip, filename=reply.clip.name)
    if reply.roll_button:
        view = discord.ui.View(timeout=None)
        view.add_item(RollButton(interaction.channel_id))
        kwargs["view"] = view
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
        await send(interaction, await self.games.press_roll(self.channel, str(interaction.user.id)))


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
        reply = self.games.start(interaction.channel_id, str(interaction.user.id), campaign, upload,
                                 file.filename if file is not None else "upload.yaml")
        await send(interaction, reply)

    @start.autocomplete("campaign")
    async def _campaigns(self, interaction: discord.Interaction, current: str):
        return [app_commands.Choice(name=c, value=c) for c in self.games.campaign_choices() if current in c][:25]

    @app_commands.command(name="end", description="End this channel's campaign (owner or Manage Server)")
    async def end(self, interaction: discord.Interaction) -> None:
        await send(interaction, self.games.end(interaction.channel_id, str(interaction.user.id), _manager(interaction)))

    @app_commands.command(name="status", description="Where the party is and who plays whom")
    async def status(self, interaction: discord.Interaction) -> None:
        await send(interaction, self.games.status(interaction.channel_id))


class PlayCog(commands.Cog):
    def __init__(self, games: ChannelGames):
        self.games = games

    @app_commands.command(name="join", description="Play a character (an existing one, or a new one by name)")
    async def join(self, interaction: discord.Interaction, character: app_commands.Range[str, 1, 80]) -> None:
        await send(interaction, self.games.join(interaction.channel_id, str(interaction.user.id),
                                                interaction.user.display_name, character))

    @app_commands.command(name="act", description="Say what your character does")
    async def act(self, interaction: discord.Interaction, what: app_commands.Range[str, 1, 300]) -> None:
        await interaction.response.defer(thinking=True)  # the model and the video take a moment
        await send(interaction, await self.games.act(interaction.channel_id, str(interaction.user.id), what))

    @app_commands.command(name="roll", description="Roll dice, e.g. 1d20+2")
    async def roll(self, interaction: discord.Interaction, expression: app_commands.Range[str, 1, 60]) -> None:
        await send(interaction, self.games.roll(interaction.channel_id, str(interaction.user.id), expression))

    @app_commands.command(name="party", description="The party's health and gear")
    async def party(self, interaction: discord.Interaction) -> None:
        await send(interaction, self.games.party(interaction.channel_id))

    @app_commands.command(name="quests", description="The quest log")
    async def quests(self, interaction: discord.Interaction) -> None:
        await send(interaction, self.games.quests(interaction.channel_id))


class DirectorCog(commands.Cog):
    def __init__(self, games: ChannelGames):
        self.games = games

    @app_commands.command(name="event", description="Something happens in the world (owner only)")
    async def event(self, interaction: discord.Interaction, text: app_commands.Range[str, 1, 300]) -> None:
        await interaction.response.defer(thinking=True)
        await send(interaction, self.games.event(interaction.channel_id, str(interaction.user.id), text,
                                                 _manager(interaction)))

    @app_commands.command(name="pause", description="Pause the game (owner only)")
    async def pause(self, interaction: discord.Interaction) -> None:
        await send(interaction, self.games.set_paused(interaction.channel_id, str(interaction.user.id),
                                                      _manager(interaction), True))

    @app_commands.command(name="resume", description="Resume the game (owner only)")
    async def resume(self, interaction: discord.Interaction) -> None:
        await send(interaction, self.games.set_paused(interaction.channel_id, str(interaction.user.id),
                                                      _manager(interaction), False))


class WorldkeeperBot(commands.Bot):
    def __init__(self, games: ChannelGames):
        intents = discord.Intents.default()  # slash commands need no privileged intents
        super().__init__(command_prefix=commands.when_mentioned, intents=intents, allowed_mentions=NO_MENTIONS)
        self.games = games

    async def setup_hook(self) -> None:
        RollButton.games = self.games
        self.add_dynamic_items(RollButton)
        for cog in (CampaignCog(self.games), PlayCog(self.games), DirectorCog(self.games)):
            await self.add_cog(cog)
        await self.tree.sync()
