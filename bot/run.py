"""Start the Discord bot from settings."""

from __future__ import annotations

from bot.cogs import WorldkeeperBot
from bot.service import ChannelGames, Shards
from gm.runtime import build_components, open_recorder
from gm.settings import Settings


def shards(settings: Settings) -> Shards:
    if settings.discord_shard_ids is not None and settings.discord_shard_count is None:
        raise ValueError("WORLDKEEPER_DISCORD_SHARD_IDS needs WORLDKEEPER_DISCORD_SHARD_COUNT (the total)")
    ids = settings.discord_shard_ids
    count = settings.discord_shard_count or 1
    if ids is not None and any(not 0 <= i < count for i in ids):
        raise ValueError(f"shard ids {ids} must each be in 0..{count - 1}")
    return Shards(tuple(ids) if ids is not None else None, count)


def make_games(settings: Settings) -> ChannelGames:
    return ChannelGames(settings.data_dir / "discord", build_components(settings), database_url=settings.database_url,
                        recorder_factory=lambda game: open_recorder(settings, game), shards=shards(settings))


def make_bot(settings: Settings, games: ChannelGames) -> WorldkeeperBot:
    shards(settings)  # refuse an inconsistent shard setting before connecting
    return WorldkeeperBot(games, shard_ids=settings.discord_shard_ids, shard_count=settings.discord_shard_count)


def run_bot(settings: Settings) -> None:
    token = settings.discord_token.get_secret_value()
    if not token:
        raise ValueError("set WORLDKEEPER_DISCORD_TOKEN to your bot's token (see the README)")
    games = make_games(settings)
    try:
        make_bot(settings, games).run(token, log_handler=None)
    finally:
        games.close()
