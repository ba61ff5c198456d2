"""Start the Discord bot from settings."""

from __future__ import annotations

from bot.cogs import WorldkeeperBot
from bot.service import ChannelGames, Shards, database_url, served_games
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


def check_bot(settings: Settings) -> str:
    """What this bot process would serve, checked without connecting to Discord: its shards, the database
    (opened, so migrated), the world model, and the games of its shards."""
    from gm.state.store import Store

    mine = shards(settings)
    store = Store(database_url(settings.data_dir / "discord", settings.database_url))
    try:
        games = {g.name: g for g in store.games()}
        served = served_games(store, mine)
        waiting = set(store.games_with_waiting_actions()) & set(served)
    finally:
        store.close()
    world = settings.world + (f" (Serve app {settings.serve_app!r} at {settings.serve_address})"
                              if settings.world == "serve" else "")
    return "\n".join([
        f"shards: {'all' if mine.ids is None else ', '.join(map(str, mine.ids))} of {mine.count}",
        f"database: {store.engine.url.render_as_string(hide_password=True)}",
        f"world model: {world}",
        f"games served here: {len(served)}" + (f" ({len(waiting)} with a round to finish)" if waiting else ""),
        *(f"  {name}: {games[name].title}, turn {games[name].turn}" for name in served)])


def run_bot(settings: Settings) -> None:
    token = settings.discord_token.get_secret_value()
    if not token:
        raise ValueError("set WORLDKEEPER_DISCORD_TOKEN to your bot's token (see the README)")
    import aiohttp
    import discord

    games = make_games(settings)
    try:
        make_bot(settings, games).run(token, log_handler=None)
    except discord.LoginFailure as exc:
        raise ValueError(f"Discord refused the token (WORLDKEEPER_DISCORD_TOKEN): {exc}") from None
    except (aiohttp.ClientError, OSError) as exc:
        raise ValueError(f"cannot reach Discord: {exc}") from None
    finally:
        games.close()
