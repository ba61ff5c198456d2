"""Start the Discord bot from settings."""

from __future__ import annotations

from bot.cogs import WorldkeeperBot
from bot.service import ChannelGames
from gm.runtime import build_components, open_recorder
from gm.settings import Settings


def make_games(settings: Settings) -> ChannelGames:
    return ChannelGames(settings.data_dir / "discord", build_components(settings), database_url=settings.database_url,
                        recorder_factory=lambda game: open_recorder(settings, game))


def run_bot(settings: Settings) -> None:
    token = settings.discord_token.get_secret_value()
    if not token:
        raise ValueError("set WORLDKEEPER_DISCORD_TOKEN to your bot's token (see the README)")
    games = make_games(settings)
    try:
        WorldkeeperBot(games).run(token, log_handler=None)
    finally:
        games.close()
