"""The long version of the hostile-player-line suite (tests/test_reliability.py runs the fixed list).

    python bench/hostile_lines.py [--fuzz 2000] [--models]

Plays the fixed hostile lines and ``--fuzz`` random mixes of them with risky code points through
the game (with the terminal's panels rendered after each), through the web viewer's HTTP API
on a real server and through the Discord bot's command handlers (fake interactions, as in
tests/test_bot.py), comparing the SQL state before and after each line. By default free text is
not grounded (plain commands only, as in the tests), so a line may change only what its kind
allows. ``--models`` grounds free text with the embedded models, as a real game does: junk then
sometimes reads as talking to someone or attempting something, and changes the state through the
rules; those changes are counted as ``rules_changes``, not as illicit. Reports lines played,
illicit state changes, tracebacks (for the bot: turns that raised, or errors it logged), raw control
bytes in any output (and live mentions in the bot's replies), and the time per line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from hostile import (HOSTILE_LINES, INERT, JOIN, RAW_CONTROL, ViewerServer, allowed, bot_line,  # noqa: E402
                     discord_problems, fuzz_lines, judge_line, sql_state, state_change)

CAMPAIGN = ROOT / "campaigns" / "lantern-of-mirefen.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fuzz", type=int, default=2000)
    parser.add_argument("--models", action="store_true", help="ground free text with the embedded models")
    args = parser.parse_args()

    import httpx

    from gm.game import Components, Game
    from gm.runtime import build_components
    from gm.session import PlaySession
    from gm.settings import Settings

    components = build_components(Settings(llm="none"), progress=False) if args.models else Components()
    lines = HOSTILE_LINES + [(line, INERT) for line in fuzz_lines(args.fuzz)]
    report = {"lines": len(lines), "models": args.models, "game": {}, "viewer": {}, "bot": {}}
    changes = "rules_changes" if args.models else "illicit_changes"
    with tempfile.TemporaryDirectory() as tmp:
        for surface in ("game", "viewer"):
            game = Game.create(CAMPAIGN, Path(tmp) / surface, name="bench", components=components)
            session = PlaySession(game)
            url = game.store.engine.url.render_as_string(hide_password=False)
            counts = {changes: 0, "tracebacks": 0, "raw_control_bytes": 0, "http_5xx": 0}
            started = time.monotonic()
            server = ViewerServer(session) if surface == "viewer" else None
            client = httpx.Client(base_url=server.base, timeout=120) if server else None
            for line, kind in lines:
                try:
                    if server is None:
                        verdict = judge_line(session, line, kind)
                        counts[changes] += not verdict.allowed
                        counts["raw_control_bytes"] += not verdict.clean
                        continue
                    before = sql_state(url)
                    answer = client.post("/api/act", json={"text": line})
                    counts["http_5xx"] += answer.status_code >= 500
                    ok_kind = kind if answer.status_code == 200 else INERT
                    counts[changes] += not allowed(ok_kind, state_change(before, sql_state(url)))
                    state = client.get("/api/state")
                    counts["raw_control_bytes"] += bool(RAW_CONTROL.search(answer.text + state.text))
                except Exception:
                    counts["tracebacks"] += 1
                    print(f"{line[:60]!r}: {traceback.format_exc(limit=3)}", file=sys.stderr)
            elapsed = time.monotonic() - started
            if server is not None:
                client.close()
                server.close()
            game.close()
            report[surface] = {**counts, "ms_per_line": round(elapsed / len(lines) * 1000, 1)}
        started = time.monotonic()
        report["bot"] = {**asyncio.run(_bot(Path(tmp) / "bot", lines, components.grounder, changes)),
                         "ms_per_line": 0.0}
        report["bot"]["ms_per_line"] = round((time.monotonic() - started) / len(lines) * 1000, 1)
    print(json.dumps(report, indent=2))
    bad = sum(v for s in ("game", "viewer", "bot") for k, v in report[s].items()
              if k not in ("ms_per_line", "rules_changes"))
    sys.exit(1 if bad else 0)


async def _bot(data: Path, lines: list[tuple[str, str]], grounder, changes: str) -> dict:
    """The lines through the bot's handlers in one channel, one player acting."""
    from test_bot import ALICE, HERE, Bot, make_games

    from bot.cogs import CampaignCog, PlayCog

    errors = _Count()
    logging.getLogger().addHandler(errors)
    bot = Bot(make_games(data, grounder, window=0.05))
    await bot.call(bot.campaign, CampaignCog.start, ALICE, "lantern-of-mirefen", None)
    await bot.call(bot.play, PlayCog.join, ALICE, "Wren")
    game = (await bot.games.session(HERE)).game
    url = game.store.engine.url.render_as_string(hide_password=False)
    counts = {changes: 0, "tracebacks": 0, "raw_control_bytes": 0, "live_mentions": 0}
    for line, kind in lines:
        before = sql_state(url)
        try:
            reply = await bot_line(bot, ALICE, line)
        except Exception:
            counts["tracebacks"] += 1
            print(f"{line[:60]!r}: {traceback.format_exc(limit=3)}", file=sys.stderr)
            continue
        counts[changes] += not allowed(kind, state_change(before, sql_state(url)), players=kind == JOIN)
        problems = discord_problems(reply, game.players())
        counts["raw_control_bytes"] += any(p.startswith("raw control") for p in problems)
        counts["live_mentions"] += any(p.startswith(("live mention", "mentions allowed")) for p in problems)
        counts["tracebacks"] += any(p.startswith("the turn raised") for p in problems)
    bot.games.close()
    logging.getLogger().removeHandler(errors)
    return {**counts, "errors_logged": errors.count}


class _Count(logging.Handler):
    """Counts records logged at ERROR or above (the bot logs a turn that raised with its traceback)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


if __name__ == "__main__":
    main()
