"""Turns under failure and concurrency: a failing turn is undone, answers are not turns, and several OS processes
playing one game (SQLite on one machine, PostgreSQL anywhere) store every turn they report exactly once.

The processes are forked from the test (real OS processes with their own connections, without paying for the
imports again); a killed process is killed with SIGKILL, mid-turn, by itself, at a point the turn is sure to be in.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from conftest import CAMPAIGNS, run_cli
from gm.campaign.loader import load_campaign
from gm.events import load_events
from gm.game import Components, Game, TurnError, TurnFailed
from gm.state.world import World

LANTERN = CAMPAIGNS / "lantern-of-mirefen.yaml"
MOVES = ["north", "south", "look", "wait"]  # always a turn (a wrong way is a failed one), never a fight
FORK = multiprocessing.get_context("fork")


def _failing_planner(failures: int):
    """A planner (the turn's direct step) that breaks on its first calls, as a crashing world-model client would.

    A model server that is down no longer fails a turn (the turn carries on from templates), so the failure is
    injected where nothing is allowed to catch it: inside a node of the turn graph."""
    calls = []

    def planner(before, events, turn, previous):
        calls.append(turn)
        if len(calls) <= failures:
            raise RuntimeError("the planner broke (injected)")
        return []

    return planner


# The same fault, injected into the real CLI process: the first turn's planning raises once.
CLI_WITH_A_FAULT = """
import sys
import gm.plan
real, failed = gm.plan.plan_turn, []
def plan_turn(before, events, turn, *args, **kwargs):
    if turn == 1 and not failed:
        failed.append(turn)
        raise RuntimeError("the planner broke (injected)")
    return real(before, events, turn, *args, **kwargs)
gm.plan.plan_turn = plan_turn
from gm.cli import app
sys.argv[0] = "worldkeeper"
app()
"""


def test_a_failing_turn_is_undone_and_play_goes_on(saves):
    # before: the failed turn stayed checkpointed, was re-run on every resume, and act() refused forever
    game = Game.create(LANTERN, saves, name="flaky", components=Components(planner=_failing_planner(1)))
    before = game.final_state()
    with pytest.raises(TurnFailed) as failed:
        game.act("north")
    assert "Turn 1 failed and was undone" in str(failed.value) and "planner broke" in str(failed.value)
    assert game.pending() is None, "a failed turn must not stay checkpointed (it would fail on every resume)"
    assert game.final_state() == before
    assert game.act("north").number == 1  # play goes on, with the number the failed turn did not use
    game.close()
    reopened = Game.open("flaky", saves)
    assert reopened.pending() is None and reopened.world().turn == 1
    reopened.close()


def test_a_failing_turn_in_a_script_and_in_the_viewer(tmp_path):
    import subprocess
    import sys

    from conftest import ROOT

    data = tmp_path / "data"
    script = tmp_path / "s.txt"
    script.write_text("north\nsouth\n")  # the first fails once (injected); the second is played (no way south)
    done = subprocess.run([sys.executable, "-c", CLI_WITH_A_FAULT, "play", "lantern-of-mirefen", "--save", "b",
                           "--script", str(script), "--json", "--llm", "none", "--no-video"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT,
                          env={**os.environ, "WORLDKEEPER_DATA_DIR": str(data)})
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(o["type"], o.get("turn")) for o in lines] == [("error", None), ("turn", 1), ("state", 1)]
    assert lines[0]["input"] == "north" and "undone" in lines[0]["message"]

    from fastapi.testclient import TestClient

    from gm.session import PlaySession
    from gm.web import create_app

    game = Game.open("b", data / "saves", components=Components(planner=_failing_planner(1)))
    client = TestClient(create_app(PlaySession(game), None), base_url="http://127.0.0.1")
    refused = client.post("/api/act", json={"text": "north"})
    assert refused.status_code == 409 and "undone" in refused.json()["detail"]
    assert client.post("/api/act", json={"text": "north"}).json()["turn"] == 2
    game.close()


def test_answers_are_not_turns_and_stored_turns_leave_no_checkpoints(saves):
    game = Game.create(LANTERN, saves, name="answers")
    game.act("north")
    for text in ("/status", "/roll 2d6", "/quests"):
        result = game.act(text)
        assert not result.stored and result.number == 1 and result.plans == [] and result.trace()["stored"] is False
    assert game.world().turn == 1 and [t.number for t in game.log()] == [1]
    assert game.act("south").number == 2
    game.close()
    with sqlite3.connect(saves / "answers" / "checkpoints.sqlite") as db:
        assert db.execute("SELECT count(*) FROM checkpoints").fetchone() == (0,)


# --- processes ----------------------------------------------------------------------------------------------------

def _record(path: Path, obj: dict) -> None:
    # one write() per line on an O_APPEND file: the kernel keeps it even if this process is killed right after
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(fd, (json.dumps(obj) + "\n").encode())
    finally:
        os.close(fd)


def _player(saves: Path, url: str | None, name: str, actions: int, out: Path, seed: int,
            kill_at: int | None = None) -> None:
    """A process that plays ``actions`` turns and reports each; with ``kill_at``, dies by SIGKILL inside that turn
    (or the first one after it that reaches the component it dies in)."""
    rng, played = random.Random(seed), 0

    def die(*_):
        if kill_at is not None and played >= kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return iter(())

    def planner(*_):
        die()
        return []

    components = Components(flavor=die) if seed % 2 else Components(planner=planner)  # two places to die in
    game = Game.open(name, saves, url, components=components)
    for _ in range(actions):
        text = rng.choice(MOVES)
        try:
            result = game.act(text)
        except TurnError as exc:
            _record(out, {"pid": os.getpid(), "input": text, "refused": str(exc)})
        else:
            for turn in (result.recovered, result):
                if turn is not None and turn.stored:
                    _record(out, {"pid": os.getpid(), "turn": turn.number, "input": turn.input})
        played += 1
    game.close()
    os._exit(0)


def _start(target, *args) -> multiprocessing.Process:
    proc = FORK.Process(target=target, args=args)
    proc.start()
    return proc


def _replayed(game: Game) -> World:
    """The world rebuilt from the campaign and the turn log's events alone."""
    world = World.new(load_campaign(LANTERN), game.world().seed)
    for turn in game.log():
        for event in load_events(turn.events):
            world.apply(event)
        world.turn = turn.number
    return world


def _check_invariants(game: Game, reports: list[dict], actions: int | None = None) -> dict:
    """Every reported turn is stored, once, at its number; the numbers are contiguous; the state is the log's."""
    log = game.log()
    assert [t.number for t in log] == list(range(1, len(log) + 1)), "turn numbers are contiguous"
    stored = [r for r in reports if "turn" in r]
    numbers = [r["turn"] for r in stored]
    assert len(numbers) == len(set(numbers)), "no turn was reported twice"
    by_number = {t.number: t for t in log}
    for report in stored:
        assert by_number[report["turn"]].input == report["input"], f"turn {report['turn']} reported but not stored"
    if actions is not None:  # nobody died: every action is one stored turn or a refusal, and nothing else is stored
        assert len(stored) + sum("refused" in r for r in reports) == actions
        assert sorted(numbers) == [t.number for t in log], "a stored turn no player was told about"
    assert game.pending() is None
    assert _replayed(game) == game.world()
    return {"turns": len(log), "refused": sum("refused" in r for r in reports)}


def _reports(folder: Path) -> list[dict]:
    return [json.loads(line) for path in sorted(folder.glob("*.jsonl")) for line in path.read_text().splitlines()]


def _play_at_once(saves: Path, url: str | None, processes: int, actions: int, out: Path) -> None:
    out.mkdir()
    procs = [_start(_player, saves, url, "shared", actions, out / f"{i}.jsonl", 2 * i) for i in range(processes)]
    for proc in procs:
        proc.join(timeout=300)
        assert proc.exitcode == 0


def test_two_processes_play_one_sqlite_save_at_once(saves, tmp_path):
    Game.create(LANTERN, saves, name="shared").close()
    _play_at_once(saves, None, 2, 25, tmp_path / "reports")
    game = Game.open("shared", saves)
    counts = _check_invariants(game, _reports(tmp_path / "reports"), actions=50)
    assert counts["turns"] == 50 and counts["refused"] == 0  # the second process waits its turn, it isn't refused
    game.close()


@pytest.mark.postgres
def test_four_processes_play_one_postgres_game_at_once(saves, tmp_path, postgres_url):
    Game.create(LANTERN, saves, name="shared", database_url=postgres_url).close()
    _play_at_once(saves, postgres_url, 4, 50, tmp_path / "reports")
    game = Game.open("shared", saves, postgres_url)
    counts = _check_invariants(game, _reports(tmp_path / "reports"), actions=200)
    assert counts["turns"] == 200
    game.close()


def kill_mid_turn(saves: Path, url: str | None, kills: int, out: Path) -> dict:
    """``kills`` processes, one after another, each killed inside a turn, while another process plays on.

    Returns what happened; raises AssertionError if an invariant breaks. Also run by ``bench/pg_turns.py --kills``.
    """
    out.mkdir()
    stop = out / "stop"

    def survivor() -> None:
        game, rng = Game.open("shared", saves, url), random.Random(1)
        while not stop.exists():
            text = rng.choice(MOVES)
            try:
                result = game.act(text)
            except TurnError as exc:
                _record(out / "survivor.jsonl", {"input": text, "refused": str(exc)})
                continue
            for turn in (result.recovered, result):
                if turn is not None and turn.stored:
                    _record(out / "survivor.jsonl", {"turn": turn.number, "input": turn.input,
                                                     "recovered": turn is result.recovered})
            time.sleep(0.02)
        game.close()
        os._exit(0)

    other = _start(survivor)
    rng = random.Random(7)
    for i in range(kills):
        victim = _start(_player, saves, url, "shared", 50, out / f"victim-{i:02}.jsonl", i, rng.randrange(4))
        victim.join(timeout=120)
        assert victim.exitcode == -signal.SIGKILL, f"victim {i} was meant to die mid-turn ({victim.exitcode})"
    stop.touch()
    other.join(timeout=120)
    assert other.exitcode == 0
    game = Game.open("shared", saves, url)
    game.recover()  # a turn the last victim was cut off in, if the survivor had stopped before finishing it
    reports = _reports(out)
    counts = _check_invariants(game, reports)
    recovered = sum(r.get("recovered", False) for r in reports)
    game.close()
    return {**counts, "kills": kills, "finished_by_another_process": recovered}


@pytest.mark.postgres
def test_processes_killed_mid_turn_on_postgres(saves, tmp_path, postgres_url):
    Game.create(LANTERN, saves, name="shared", database_url=postgres_url).close()
    result = kill_mid_turn(saves, postgres_url, 20, tmp_path / "kills")
    assert result["finished_by_another_process"] >= 1 and result["turns"] >= 20


def test_resume_reports_the_interrupted_turn_in_the_json_stream(saves, tmp_path):
    Game.create(LANTERN, saves, name="cut").close()
    victim = _start(_player, saves, None, "cut", 3, tmp_path / "victim.jsonl", 0, 1)  # dies inside turn 2
    victim.join(timeout=120)
    assert victim.exitcode == -signal.SIGKILL
    game = Game.open("cut", saves)
    assert game.pending()["type"] == "resume" and game.pending()["turn"] == 2
    game.close()
    script = tmp_path / "s.txt"
    script.write_text("look\n")
    done = run_cli("play", "--resume", str(saves / "cut"), "--script", str(script), "--json", "--llm", "none",
                   "--no-video", env={"WORLDKEEPER_DATA_DIR": str(tmp_path / "data")}, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(o["type"], o["turn"]) for o in lines] == [("turn", 2), ("turn", 3), ("state", 3)]


def test_the_graph_routes_each_kind_of_input_through_only_the_nodes_it_needs(saves):
    """Routing lives in the graph's conditional edges: an answer skips the rules and is not stored, a free roll
    skips the check, a refused action and a question back are narrated and stored without the world's own move."""
    from langgraph.checkpoint.memory import InMemorySaver

    from gm.agent.graph import TurnContext, build_graph

    game = Game.create(LANTERN, saves, name="routes")
    graph, context = build_graph(InMemorySaver()), TurnContext(store=game.store)
    visited = {}
    for text in ["north", "/status", "/roll 1d20", "attack maud", "go west", "/event a lost goose"]:
        number = game.world().turn + 1
        config = {"configurable": {"thread_id": f"routes:{number}:{text}"}}
        context.forget()
        steps = graph.stream({"game": "routes", "number": number, "input": text, "actor": None}, config,
                             context=context, stream_mode="updates")
        visited[text] = [node for step in steps for node in step]
    stored = ["direct", "commit"]
    assert visited == {
        "north": ["interpret", "adjudicate", "check", "advance", "narrate", *stored],
        "/status": ["interpret", "narrate"],
        "/roll 1d20": ["interpret", "adjudicate", "narrate"],
        "attack maud": ["interpret", "adjudicate", "check", "narrate", *stored],  # refused by the rules
        "go west": ["interpret", "narrate", *stored],  # no exit that way: a question back, never adjudicated
        "/event a lost goose": ["interpret", "adjudicate", "check", "narrate", *stored],
    }
    assert [t.input for t in game.log()] == ["north", "attack maud", "go west", "/event a lost goose"]
    game.close()
