"""Solo play as a person uses it: the terminal game in tmux, the web viewer in headless Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, run_cli, worldkeeper_cmd
from gm.game import Game
from terminal import Tmux, game_env as _env

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _need(tool: str | None, name: str) -> None:
    if tool is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} must be installed in CI (see .ci/run)")
        pytest.skip(f"{name} is not installed")


def test_terminal_game_in_tmux(tmp_path):
    _need(shutil.which("tmux"), "tmux")
    data = tmp_path / "data"
    term = Tmux(f"wk{os.getpid()}", [*worldkeeper_cmd(), "play", "lantern-of-mirefen", "--save", "solo"], _env(data))
    try:
        term.wait_for("turn 0", "The Lantern of Mirefen", "Exits: north → Old Maud's Hut")
        term.type("talk to tomas")
        term.wait_for("turn 1", "Tomas:", "Quest updated")
        term.type("go north")
        term.wait_for("Wren heads north to Old Maud's Hut.")
        term.type("take the smoked fish")
        term.wait_for("Hunting Knife, Smoked Fish", "clip: ", "turn-0003.mp4")
        term.type("/status")
        term.wait_for("14/14 hp, standing; carrying Hunting Knife, Smoked Fish")
        term.type("/quit")
        term.wait_for("Clips:", "worldkeeper video solo")
    finally:
        term.close()
    saves = data / "saves" / "solo"
    # /status is an answer, not a turn: three turns, three clips; the session video is joined on request
    assert len(list((saves / "clips").glob("*.mp4"))) == 3 and not (saves / "session.mp4").exists()
    joined = run_cli("video", "solo", env=_env(data))
    assert joined.returncode == 0 and (saves / "session.mp4").exists(), joined.stderr
    listed = run_cli("saves", env=_env(data))
    assert "solo: The Lantern of Mirefen, turn 3" in listed.stdout

    term = Tmux(f"wk{os.getpid()}b", [*worldkeeper_cmd(), "play", "--resume", "solo"], _env(data))
    try:
        term.wait_for("turn 3")
        term.type("go south")
        term.wait_for("Wren heads south to Mirefen Green.")
        term.wait_for("turn 4")
        term.type("/quit")
        term.wait_for("Clips:")
    finally:
        term.close()
    assert len(list((saves / "clips").glob("*.mp4"))) == 4, "the resumed game's video continues"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The terminal game with the viewer on, and a game master whose extra line streams in pieces and ends without a
# newline, as a model's does (a fixed line, so the test knows what to wait for; the faithfulness check that a real
# model's line goes through is tested in test_agent).
TERMINAL_WITH_A_VIEWER = """
import sys
from pathlib import Path
from gm.game import Components, Game
from gm.session import PlaySession
from gm.settings import Settings
from gm.tui import play_interactive
from gm.web import serve_in_background

def flavor(world, events, lines):
    yield "Fog beads "
    yield "on the lantern glass."

campaign, saves, port = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
game = Game.create(campaign, saves, name="shown", seed=1, components=Components(flavor=flavor))
session = PlaySession(game)
serve_in_background(session, "127.0.0.1", port, None)
play_interactive(session, Settings())
game.close()
"""


def test_the_terminal_keeps_the_models_line_and_shows_the_viewers_turns(tmp_path, mirefen_path):
    """The spinner stops at the first streamed words, so it never erases the line the model is writing; a turn
    played from the viewer on the same game is shown in the terminal too."""
    _need(shutil.which("tmux"), "tmux")
    import httpx

    script, port = tmp_path / "terminal.py", _free_port()
    script.write_text(TERMINAL_WITH_A_VIEWER)
    term = Tmux(f"wk{os.getpid()}v", [sys.executable, str(script), str(mirefen_path), str(tmp_path / "saves"),
                                      str(port)], _env(tmp_path / "data"))
    try:
        term.wait_for("turn 0")
        term.type("look")
        screen = term.wait_for("Fog beads on the lantern glass.", "turn 1")
        assert screen.index("Fog beads on the lantern glass.") < screen.index("turn 1"), "the line stays put"
        deadline = time.time() + 60
        while True:  # the viewer listens once its thread is up
            try:
                reply = httpx.post(f"http://127.0.0.1:{port}/api/act", json={"text": "go north"}, timeout=120)
                break
            except httpx.ConnectError:
                assert time.time() < deadline, "the viewer never listened"
                time.sleep(0.5)
        assert reply.status_code == 200 and reply.json()["turn"] == 2, reply.text
        term.wait_for("(from the viewer) > go north", "Wren heads north to Old Maud's Hut.")
        term.type("/quit")
        term.wait_for("Game saved as")
    finally:
        term.close()


@pytest.fixture
def viewer(tmp_path, mirefen_path):
    data = tmp_path / "data"
    Game.create(mirefen_path, data / "saves", name="web", seed=1).close()
    port = _free_port()
    proc = subprocess.Popen([*worldkeeper_cmd(), "serve", "web", "--port", str(port)], env=_env(data),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    deadline = time.time() + 180
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if proc.poll() is not None:
                raise AssertionError(proc.stdout.read())
            time.sleep(0.5)
    yield f"http://127.0.0.1:{port}/", data
    proc.terminate()
    proc.wait(timeout=30)


def test_web_viewer_in_chromium(viewer):
    _need(CHROMIUM, "chromium")
    from playwright.sync_api import sync_playwright

    url, data = viewer
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox",
                                                                    "--autoplay-policy=no-user-gesture-required"])
        page = browser.new_page()
        page.goto(url)
        page.wait_for_selector("#scene li")
        assert "Wren" in page.inner_text("#scene") and "Old Maud" not in page.inner_text("#scene")
        page.wait_for_function("document.getElementById('world').currentTime > 0.5", timeout=60000)
        start = page.evaluate("document.getElementById('world').currentTime")
        time.sleep(2)
        assert page.evaluate("document.getElementById('world').currentTime") > start, "the live video plays"
        # before the first turn, the story opens on the scene: the place and who is there
        page.wait_for_function("document.getElementById('log').innerText.includes('Tomas, a stout')", timeout=30000)
        page.fill("#text", "head north to the herb witch's hut")
        page.press("#text", "Enter")
        page.wait_for_function("document.getElementById('log').innerText.includes('Wren heads north')", timeout=60000)
        page.wait_for_function("document.getElementById('scene').innerText.includes('Old Maud')", timeout=30000)
        assert "Old Maud's Hut" in page.inner_text("header")
        # an answer that is not a turn is shown, though the stored log never holds it
        page.fill("#text", "/status")
        page.press("#text", "Enter")
        page.wait_for_function("document.getElementById('log').innerText.includes('carrying')", timeout=30000)
        browser.close()
    game = Game.open("web", data / "saves")
    assert game.world().party_location == "herb-hut", "the page's action changed the state in SQL"
    game.close()


def test_viewer_needs_a_token_off_this_machine(tmp_path, mirefen_path):
    from fastapi.testclient import TestClient

    from gm.session import PlaySession
    from gm.web import check_binding, create_app

    with pytest.raises(ValueError):
        check_binding("0.0.0.0", None)
    check_binding("0.0.0.0", "secret")
    refused = run_cli("serve", "anything", "--host", "0.0.0.0", env=_env(tmp_path))
    assert refused.returncode == 1 and "token" in refused.stderr and "Traceback" not in refused.stderr
    game = Game.create(mirefen_path, tmp_path / "saves", name="tok")
    client = TestClient(create_app(PlaySession(game), token="secret"), base_url="http://localhost")
    assert client.get("/api/state").status_code == 401
    assert client.get("/api/state?t=wrong").status_code == 401
    assert client.get("/api/state?t=secret").json()["location"]["id"] == "village-green"
    assert client.post("/api/act?t=secret", json={"text": "north"}).json()["ok"] is True
    assert client.post("/api/act?t=secret", json={"text": ""}).status_code == 422
    game.close()


def test_play_with_no_terminal_says_why_and_fails(tmp_path):
    done = subprocess.run([*worldkeeper_cmd(), "play"], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          env=_env(tmp_path), cwd=ROOT, timeout=300)
    assert done.returncode == 1 and "standard input is closed" in done.stderr and "Traceback" not in done.stderr
