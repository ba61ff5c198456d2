"""The reliability suite (#12): nothing a campaign file or a player line can do bricks a game.

* campaign files: templates, dice, strict numbers, YAML tags, and >=100 hostile mutants of the
  shipped campaigns, each refused at file:line:column or played to its end;
* player lines: >=60 hostile lines through the terminal (the CLI's --script mode, the Rich
  panels, tmux), the viewer's HTTP API and the bot's handlers, with the SQL state compared
  before and after each;
* the viewer: a real server refuses foreign Host headers and foreign Origins.
The long versions are bench/hostile_campaigns.py and bench/hostile_lines.py.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from rich.console import Console

from conftest import ROOT, run_cli, worldkeeper_cmd
from hostile import (HOSTILE_LINES, JOIN, RAW_CONTROL, ViewerServer, allowed, bot_line, campaign_mutants,
                     discord_problems, judge_line, judge_mutant, sql_state, state_change)

from gm.campaign.loader import CampaignError, parse_campaign
from gm.campaign.templates import Templates
from gm.game import Game
from terminal import Tmux, game_env as _env
from gm.safe_text import for_discord, for_terminal, json_line, plain
from gm.session import PlaySession

LANTERN = ROOT / "campaigns" / "lantern-of-mirefen.yaml"


def _refused(text: str) -> list:
    with pytest.raises(CampaignError) as caught:
        parse_campaign(text, "c.yaml")
    return caught.value.problems


def _with_prompt(name: str, template: str) -> str:
    body = "".join(f"    {line}\n" for line in template.splitlines())
    return LANTERN.read_text(encoding="utf-8") + f"\nprompts:\n  {name}: |\n{body}"


def _line_of(text: str, needle: str) -> int:
    return text.splitlines().index(next(line for line in text.splitlines() if needle in line)) + 1


# --- #12.3 templates --------------------------------------------------------------------------

@pytest.mark.parametrize("template, message, offset", [
    ("Player: {{ text }}\n{% for o in options %}\n{{ o }}", "template syntax error", 3),
    ("Player: {{ text }}\n{{ nosuch }}", "undefined name 'nosuch'", 2),
    ("{% for a in range(100000) %}x{% endfor %}", "range() of 100000", 1),
    ("{% for a in range(999) %}{% for b in range(999) %}{% endfor %}{% endfor %}", "more than 50000 steps", 1),
    ("ok\n{{ text.__class__ }}", "unsafe", 2),
])
def test_a_bad_override_is_a_located_error(template, message, offset):
    text = _with_prompt("choose.j2", template)
    problems = _refused(text)
    assert len(problems) == 1 and message in problems[0].message, problems
    first = _line_of(text, "choose.j2: |") + 1
    assert (problems[0].path, problems[0].line) == ("prompts.choose.j2", first + offset - 1)
    assert str(problems[0]).startswith(f"c.yaml:{first + offset - 1}:")


def test_facts_macros_are_rendered_against_every_event_kind():
    import re

    facts = (ROOT / "prompts" / "facts.j2").read_text(encoding="utf-8")

    def with_macro(kind: str, body: str) -> str:
        return re.sub(rf"{{% macro {kind}\((.*?)\) %}}.*?{{% endmacro %}}",
                      lambda m: f"{{% macro {kind}({m.group(1)}) %}}{body}{{% endmacro %}}", facts, flags=re.S)

    problems = _refused(_with_prompt("facts.j2", with_macro("defeated", "{{ n(e.character) }} is {{ e.how }}!")))
    assert "macro 'defeated' fails on a sample defeated event" in problems[0].message
    assert "has no attribute 'how'" in problems[0].message
    reasons = with_macro("combat_ended", "{{ {'victory': 'The fight is won.'}[e.reason] }}")
    problems = _refused(_with_prompt("facts.j2", reasons))
    assert "macro 'combat_ended'" in problems[0].message, "each literal value of an event is sampled"
    assert parse_campaign(_with_prompt("facts.j2", facts)).prompts["facts.j2"].strip() == facts.strip()


def test_validation_renders_facts_with_the_interface_play_uses():
    from gm.agent.narrate import SceneNamer
    from gm.campaign.templates import SampleNamer

    def public(cls):
        return {name for name in vars(cls) if not name.startswith("_")}

    assert public(SampleNamer) == public(SceneNamer)


def test_an_override_of_no_template_is_an_error():
    problems = _refused(_with_prompt("narration.j2", "hello"))
    assert "there is no template 'narration.j2'" in problems[0].message and problems[0].line is not None


def test_a_failing_template_at_play_time_falls_back_to_the_shipped_one(caplog):
    shipped = Templates()
    for hostile in ["{% for a in range(999) %}{% for b in range(999) %}{% for c in range(999) %}"
                    "{% endfor %}{% endfor %}{% endfor %}", "{{ nosuch }}", "{{ 'x' * 10**9 }}",
                    "{% macro f(s) %}{{ f(s ~ s) }}{% endmacro %}{{ f('x') }}"]:
        templates = Templates({"choose.j2": hostile}, label="campaign 'evil'")
        with caplog.at_level(logging.WARNING):
            started = time.monotonic()
            out = templates.render("choose.j2", text="hi", options=["a", "b"])
            took = time.monotonic() - started
        assert out == shipped.render("choose.j2", text="hi", options=["a", "b"])
        assert "campaign 'evil''s template choose.j2 failed" in caplog.text
        assert took < 30, "a budget, not a hang"  # generous: the budget is 0.5 s; this only catches a hang
        caplog.clear()
    # facts.j2 is macros: a macro that fails for one event falls back for the rest of the session
    facts = (ROOT / "prompts" / "facts.j2").read_text(encoding="utf-8").replace(
        "{{ n(e.character) }} takes", "{{ n(e.character) }} {{ e.nope }} takes")
    templates = Templates({"facts.j2": facts})
    from gm import events as ev
    took = ev.Took(character="wren", item="lantern")
    assert templates.macro("facts.j2", "took", took, str) == "wren takes the lantern."


def test_a_save_with_a_hostile_template_plays_on(tmp_path, caplog):
    """A campaign stored before validation grew stricter (or written to the database by hand)."""
    game = Game.create(LANTERN, tmp_path, name="t")
    hostile = _with_prompt("facts.j2", "{% macro moved(e, n) %}{% for a in range(999) %}{% for b in range(999) %}"
                                       "{{ a }}{% endfor %}{% endfor %}{% endmacro %}")
    import sqlalchemy as sa
    with game.store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE games SET campaign_source = :s"), {"s": hostile})
    game.close()
    game = Game.open("t", tmp_path)
    with caplog.at_level(logging.WARNING):
        result = game.act("north")
    assert result.ok and "Wren heads north to Old Maud's Hut." in result.narration
    assert "template facts.j2 failed" in caplog.text
    game.close()


# --- #12.4 dice, numbers, tags ----------------------------------------------------------------

@pytest.mark.parametrize("old, new, message", [
    ("damage: 1d8+1}", "damage: 1000000d1000000}", "more than 1000 sides"),
    ("damage: 1d8+1}", "damage: 101d4}", "at most 100 dice"),
    ("damage: 1d8+1}", "damage: 1d6+9999999}", "results are limited"),
    ("damage: 1d8+1}", "damage: 1d6/(1d2-1)}", "divided by 0"),
    ("damage: 1d8+1}", "damage: 1d1e1}", "cannot be rolled"),
    ("hp: 14", "hp: true", "valid integer"),
    ("hp: 14", "hp: '14'", "valid integer"),
    ("bonus: 4", "bonus: 99999999", "less than or equal to 1000000"),
    ("hp: 14", "hp: !!binary MTQ=", "!!binary"),
    ("hp: 14", "hp: 2026-11-25", "quotes"),
])
def test_rules_data_is_checked_where_it_is(old, new, message):
    text = LANTERN.read_text(encoding="utf-8")
    assert old in text
    problems = _refused(text.replace(old, new, 1))
    assert message in problems[0].message, problems
    assert problems[0].line == _line_of(text, old)


def test_player_rolls_are_bounded_too(tmp_path):
    game = Game.create(LANTERN, tmp_path, name="r")
    for expr in ["1000000d1000000", "1d1e1", "1d6/0"]:
        before = sql_state(game.store.engine.url.render_as_string(hide_password=False))
        result = game.act(f"/roll {expr}")
        assert not result.ok and expr in result.narration
        assert state_change(before, sql_state(game.store.engine.url.render_as_string(hide_password=False))) == {}
    assert game.act("/roll 2d6+1").ok
    game.close()


# --- hostile campaign files ---------------------------------------------------------------------

@pytest.mark.timeout(300)
def test_hostile_campaign_files_are_refused_at_a_place_or_play_to_the_end(tmp_path):
    mutants = campaign_mutants(count=110, seed=12)
    assert len(mutants) >= 100
    verdicts = [judge_mutant(mutant, tmp_path, i) for i, mutant in enumerate(mutants)]  # raises on a crash
    for mutant, verdict in zip(mutants, verdicts):
        assert verdict.located or not verdict.refused, (mutant.label, verdict.problem)
        assert verdict.completed or not mutant.accept, (mutant.label, verdict.problem)
        assert verdict.clean, mutant.label
    refused = sum(v.refused for v in verdicts)
    assert refused >= 90 and len(verdicts) - refused >= 4, refused


# --- #12.5 markup and control characters --------------------------------------------------------

def test_safe_text():
    assert plain("a\x1b]52;c;aGk=\x07b\x1b[31mc\x00\x07\x9b1md\u202ee\r") == "abcde"
    assert plain("keeps\ttabs\nand lines, [markup] and ünïcode 🎲") == "keeps\ttabs\nand lines, [markup] and ünïcode 🎲"
    assert for_terminal("[/x] [bold]hi") == "\\[/x] \\[bold]hi"
    Console(file=io.StringIO()).print(for_terminal("[/x] [/] [link=x]"))  # no MarkupError
    assert "@everyone" not in for_discord("@everyone <@123> <@&4> @here")
    assert json.loads(json_line({"t": "\x9b\u202e\x1b"})) == {"t": "\x9b\u202e\x1b"}
    assert not RAW_CONTROL.search(json_line({"t": "\x9b\u202e\x1b\x00"}))


def test_a_save_with_a_markup_entity_opens_in_the_terminal(tmp_path):
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    data = tmp_path / "data"
    game = Game.create(LANTERN, data / "saves", name="marked")
    for line in ("/event A [/] strange sign", "/join [/x] \x1b]0;pwned\x07 | a figure"):
        assert game.act(line).ok
    game.close()
    term = Tmux(f"wkrel{os.getpid()}", [*worldkeeper_cmd(), "play", "--resume", "marked", "--no-video"], _env(data),
                width=160, height=50)
    try:
        screen = term.wait_for("turn 2", timeout=120)
        assert "[/] Strange Sign" in screen, screen
        assert "MarkupError" not in screen and "Traceback" not in screen
        assert "pwned" not in term.title(), "an OSC title sequence from the save never reached the terminal"
        term.type("/quit")
    finally:
        term.close()


# --- hostile player lines through every surface ---------------------------------------------------

def _url(game: Game) -> str:
    return game.store.engine.url.render_as_string(hide_password=False)


def test_hostile_lines_through_the_game_and_the_terminal(tmp_path):
    assert len(HOSTILE_LINES) >= 60
    game = Game.create(LANTERN, tmp_path, name="h")
    session = PlaySession(game)
    for line, kind in HOSTILE_LINES:
        verdict = judge_line(session, line, kind)
        assert verdict.allowed, (line[:60], verdict.change)
        assert verdict.clean, line[:60]
        assert "49" not in verdict.shown or "49" in line, "a template in a line is never rendered"
    world = game.world()
    assert world.characters["wren"].hp == world.characters["wren"].max_hp
    assert world.party_location == world.campaign.start.location
    game.close()


def test_hostile_lines_through_the_cli_script(tmp_path):
    """The scripted terminal game, human-readable and --json: markup such as `[/x]` is text, no control
    byte reaches the terminal, and the JSON keeps every line exactly. (The JSON run takes the lines
    with control bytes or markup; the human-readable run takes them all.)"""
    one_line = [line for line, _ in HOSTILE_LINES
                if not any(c in line for c in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")] + ["north"]
    tricky = [line for line in one_line if RAW_CONTROL.search(line) or "[" in line][:20]
    runs = {}
    for extra, lines in (([], one_line), (["--json"], tricky)):
        script = tmp_path / f"lines{len(extra)}.txt"
        script.write_text("\n".join(lines) + "\n", encoding="utf-8")
        run = run_cli("play", "lantern-of-mirefen", "--script", str(script), "--no-video", "--save",
                      str(tmp_path / f"s{len(extra)}"), *extra, env=_env(tmp_path), timeout=300)
        assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr[-2000:]
        assert not RAW_CONTROL.search(run.stdout + run.stderr)
        runs[bool(extra)] = run.stdout
    assert "> [/x]" in runs[False] and "[/] Strange Sign" in runs[False] and "north to Old Maud's Hut" in runs[False]
    records = [json.loads(line) for line in runs[True].splitlines()]
    assert [r["input"] for r in records if r["type"] == "turn"] == [line.strip() for line in tricky]


def test_hostile_lines_through_the_viewer(tmp_path):
    game = Game.create(LANTERN, tmp_path, name="v")
    session = PlaySession(game)
    server = ViewerServer(session)
    url = _url(game)
    try:
        with httpx.Client(base_url=server.base, timeout=60) as client:
            for line, kind in HOSTILE_LINES:
                before = sql_state(url)
                answer = client.post("/api/act", json={"text": line})
                assert answer.status_code in (200, 409, 422), (line[:60], answer.status_code, answer.text[:300])
                if answer.status_code != 200:
                    kind = "inert"
                assert allowed(kind, state_change(before, sql_state(url))), line[:60]
                state = client.get("/api/state")
                assert state.status_code == 200
                assert not RAW_CONTROL.search(answer.text + state.text), line[:60]
                assert not RAW_CONTROL.search(json.dumps(state.json(), ensure_ascii=False)), line[:60]
    finally:
        server.close()
        game.close()


def test_hostile_lines_through_the_bot(tmp_path, caplog):
    """Every line through the bot's handlers: no illicit change, nothing logged as an error, and no reply
    with a raw control byte, a live mention or a turn that raised (see hostile.discord_problems)."""
    from test_bot import ALICE, HERE, Bot, make_games

    from bot.cogs import CampaignCog, PlayCog

    assert len(HOSTILE_LINES) >= 60

    async def scenario():
        bot = Bot(make_games(tmp_path, window=0.05))
        await bot.call(bot.campaign, CampaignCog.start, ALICE, "lantern-of-mirefen", None)
        await bot.call(bot.play, PlayCog.join, ALICE, "Wren")
        game = (await bot.games.session(HERE)).game
        url = _url(game)
        for line, kind in HOSTILE_LINES:
            before = sql_state(url)
            reply = await bot_line(bot, ALICE, line)
            change = state_change(before, sql_state(url))
            assert allowed(kind, change, players=kind == JOIN), (line[:60], change)
            assert discord_problems(reply, game.players()) == [], line[:60]
        bot.games.close()

    with caplog.at_level(logging.ERROR):
        asyncio.run(scenario())
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text[-2000:]


# --- #12.6 the viewer's hosts and origins ------------------------------------------------------------

def test_the_viewer_refuses_foreign_hosts_and_origins(tmp_path):
    import websockets.sync.client as ws_client

    game = Game.create(LANTERN, tmp_path, name="w")
    server = ViewerServer(PlaySession(game))
    own = f"http://127.0.0.1:{server.port}"
    try:
        with httpx.Client(base_url=server.base, timeout=30) as client:
            assert client.get("/api/state").status_code == 200
            assert client.get("/api/state", headers={"Host": f"localhost:{server.port}"}).status_code == 200
            assert client.get("/api/state", headers={"Host": f"evil.example:{server.port}"}).status_code == 400
            assert client.get("/", headers={"Host": "attacker.example"}).status_code == 400
            assert client.get("/openapi.json").status_code == 404 and client.get("/docs").status_code == 404
            turn = client.get("/api/state").json()["turn"]
            foreign = client.post("/api/act", json={"text": "/event a dragon"}, headers={"Origin": "http://evil.example"})
            assert foreign.status_code == 403
            assert client.post("/api/act", json={"text": "north"}, headers={"Origin": "null"}).status_code == 403
            assert client.get("/api/state").json()["turn"] == turn, "a foreign page changed nothing"
            assert client.post("/api/act", json={"text": "north"}, headers={"Origin": own}).status_code == 200
        with pytest.raises(Exception) as refused:
            with ws_client.connect(f"ws://127.0.0.1:{server.port}/ws/video", origin="http://evil.example") as ws:
                ws.recv(timeout=10)
        assert "HTTP 403" in str(refused.value), "closed before the handshake completes"
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:  # a rebound name
            raw.sendall(b"GET /ws/video HTTP/1.1\r\nHost: evil.example\r\nUpgrade: websocket\r\n"
                        b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        b"Sec-WebSocket-Version: 13\r\n\r\n")
            assert raw.recv(200).startswith(b"HTTP/1.1 400"), "a WebSocket to a foreign Host name is refused"
        with ws_client.connect(f"ws://127.0.0.1:{server.port}/ws/video", origin=own) as ws:
            with pytest.raises(Exception) as no_stream:  # past the checks: this session has no live stream
                ws.recv(timeout=10)
            assert "4404" in str(no_stream.value)
    finally:
        server.close()
        game.close()


def test_the_viewer_off_this_machine_names_its_host_and_keeps_the_token(tmp_path):
    from gm.web import allowed_hosts

    assert allowed_hosts("127.0.0.1") == ["127.0.0.1", "localhost", "[::1]"]
    assert allowed_hosts("192.168.1.5")[0] == "192.168.1.5" and allowed_hosts("0.0.0.0") == ["*"]
    game = Game.create(LANTERN, tmp_path, name="x")
    server = ViewerServer(PlaySession(game), host="gm.example", token="secret")
    try:
        with httpx.Client(base_url=server.base, timeout=30) as client:
            assert client.get("/api/state?t=secret").status_code == 200, "the local names stay allowed"
            named = {"Host": "gm.example"}
            assert client.get("/api/state", headers=named).status_code == 401
            assert client.get("/api/state?t=secret", headers=named).status_code == 200
            assert client.get("/api/state?t=secret", headers={"Host": "other.example"}).status_code == 400
    finally:
        server.close()
        game.close()
