"""Mention-like names (#12.5): a character, place, item or quest named `<@123>`, `@everyone`, `<#1>` or
`<@&2>` is shown as typed in every bot reply, never as a live mention, and the web viewer shows it as text.

Driven through the bot's real command handlers (as tests/test_bot.py does) and the viewer in Chromium.
"""

from __future__ import annotations

import asyncio

import pytest
from hostile import LIVE_MENTION, discord_problems
from test_bot import ALICE, BOB, HERE, Bot, make_games

from bot.cogs import CampaignCog, DirectorCog, PlayCog
from conftest import ROOT
from gm.safe_text import for_discord

LANTERN = ROOT / "campaigns" / "lantern-of-mirefen.yaml"
# name in the shipped campaign -> a mention-like one (quoted: YAML reserves a leading '@')
RENAMED = {
    "name: Wren": 'name: "<@123>"',
    "name: Tomas": 'name: "@everyone"',
    "name: Mirefen Green": 'name: "<#1> Green"',
    "name: Smoked Fish": 'name: "<@&2> fish"',
    "title: The Light of Mirefen": 'title: "@here and the light"',
}


def _campaign() -> bytes:
    text = LANTERN.read_text(encoding="utf-8")
    for old, new in RENAMED.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    return text.encode("utf-8")


def test_for_discord_makes_every_mention_inert_but_the_bots_own():
    text = "@everyone @here <@123> <@!123> <@&2> <#1> </act:99> <id:browse> <@7>"
    assert LIVE_MENTION.findall(for_discord(text)) == []
    assert LIVE_MENTION.findall(for_discord(text, {"7"})) == ["<@7>"]
    assert for_discord(text).replace("\u200b", "") == text  # it reads the same
    assert for_discord("<t:1700000000> a@b.c <:emoji:12>") == "<t:1700000000> a@b.c <:emoji:12>"


def _shown(interaction) -> str:
    embed = interaction.sent[-1]["embed"]
    return "\n".join([embed.title or "", embed.description or ""] + [f"{f.name}\n{f.value}" for f in embed.fields])


def test_mention_like_names_are_inert_in_every_bot_reply(tmp_path):
    class Upload:
        filename = "mentions.yaml"

        async def read(self) -> bytes:
            return _campaign()

    async def scenario():
        bot = Bot(make_games(tmp_path, window=0.05))
        replies = [await bot.call(bot.campaign, CampaignCog.start, ALICE, None, Upload())]
        replies.append(await bot.call(bot.play, PlayCog.join, ALICE, "<@123>"))
        replies.append(await bot.call(bot.play, PlayCog.join, BOB, "<@&2> the Bold"))
        for line in ["look", "talk to @everyone", "take <@&2> fish", "north", "south", "inventory"]:
            replies.append(await bot.act(ALICE, line))
        replies.append(await bot.act(BOB, "look"))
        replies.append(await bot.call(bot.campaign, CampaignCog.status, ALICE))
        replies.append(await bot.call(bot.play, PlayCog.party, ALICE))
        replies.append(await bot.call(bot.play, PlayCog.quests, ALICE))
        replies.append(await bot.call(bot.play, PlayCog.roll, ALICE, "1d20"))
        replies.append(await bot.call(bot.director, DirectorCog.event, ALICE, "<#1> and @here glow"))
        replies.append(await bot.call(bot.campaign, CampaignCog.end, ALICE))
        return replies

    replies = asyncio.run(scenario())
    for reply in replies:  # no live mention but the bot's own of its players (in /campaign status)
        assert discord_problems(reply, {str(ALICE.id), str(BOB.id)}) == [], _shown(reply)
    shown = "\n".join(_shown(reply) for reply in replies)
    for name in ["<@123>", "@everyone", "<#1> Green", "<@&2> fish", "@here and the light", "<@&2> the Bold"]:
        assert name in shown.replace("\u200b", ""), f"{name} is shown, as typed"
    assert f"<@{ALICE.id}>" in shown, "the status still names its players"


@pytest.fixture
def mention_viewer(tmp_path):
    from hostile import ViewerServer

    from gm.game import Game
    from gm.session import PlaySession

    path = tmp_path / "mentions.yaml"
    path.write_bytes(_campaign().replace(b'name: "<@123>"', b'name: "<@123> <img src=x onerror=alert(1)>"'))
    game = Game.create(path, tmp_path / "saves", name="m")
    server = ViewerServer(PlaySession(game))
    yield server
    server.close()
    game.close()


def test_mention_like_names_are_text_in_the_web_viewer(mention_viewer):
    from test_solo import CHROMIUM, _need

    _need(CHROMIUM, "chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(mention_viewer.base)
        page.wait_for_selector("#scene li")
        page.wait_for_function("document.getElementById('log').innerText.includes('@everyone')", timeout=30000)
        text = page.inner_text("body")
        assert "<@123> <img src=x onerror=alert(1)>" in text and "<#1> Green" in text
        assert page.evaluate("document.querySelectorAll('img').length") == 0, "a name is text, not markup"
        assert dialogs == []
        browser.close()
