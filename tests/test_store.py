"""World state in SQL: whole playthroughs on SQLite and PostgreSQL, reloads, atomic turns, migrations."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from conftest import ROOT
from gm.campaign import load_campaign
from gm.game import Game
from gm.state.db import make_engine
from gm.state.models import Base
from gm.state.store import Store, TurnConflict, TurnRecord
from playthrough import play_mirefen, play_neon


def _reload_in_new_process(saves, name: str, url: str | None) -> dict:
    code = textwrap.dedent(f"""
        import json, sys
        from pathlib import Path
        from gm.game import Game
        game = Game.open({name!r}, Path({str(saves)!r}), {url!r})
        sys.stdout.write(json.dumps(game.final_state()))
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _assert_mirefen_finished(game: Game, results) -> None:
    state = game.final_state()
    assert state["quests"]["light-of-mirefen"] == {"status": "completed", "stage": "relight"}
    assert state["status"] == "completed"
    assert state["characters"]["bog-troll"]["alive"] is False
    assert state["characters"]["bramble"]["in_party"] is True
    assert "heart-stone" in state["characters"]["tomas"]["inventory"]
    assert "sunfire-ward" in state["characters"]["wren"]["skills"]
    stages = [e["completed_stage"] for r in results for e in r.events if e["kind"] == "quest_stage"]
    assert stages == ["learn-what-happened", "prepare", "defeat-the-troll", "relight"]
    assert any(e["kind"] == "attack" and e["actor"] == "bog-troll" for r in results for e in r.events)


@pytest.mark.parametrize("seed", [1, 2])
def test_campaign_plays_to_the_end_on_sqlite_and_reloads(mirefen_path, saves, seed):
    game = Game.create(mirefen_path, saves, name="mirefen", seed=seed)
    results = play_mirefen(game)
    _assert_mirefen_finished(game, results)
    final = game.final_state()
    turns = game.store.turns("mirefen")
    assert [t.number for t in turns] == list(range(1, len(results) + 1))
    game.close()
    assert _reload_in_new_process(saves, "mirefen", None) == final


@pytest.mark.postgres
def test_campaign_plays_to_the_end_on_postgres_and_reloads(mirefen_path, saves, postgres_url):
    game = Game.create(mirefen_path, saves, name="mirefen-pg", seed=3, database_url=postgres_url)
    results = play_mirefen(game)
    _assert_mirefen_finished(game, results)
    final = game.final_state()
    game.close()
    assert _reload_in_new_process(saves, "mirefen-pg", postgres_url) == final


def test_conformance_fixture_plays_to_its_last_quest_stage(neon_path, saves):
    """The external conformance file loads and plays to the end (skipped without ../shared)."""
    game = Game.create(neon_path, saves, name="neon", seed=1)
    results = play_neon(game)
    state = game.final_state()
    assert state["quests"]["the-stolen-bell"] == {"status": "completed", "stage": "return-the-bell"}
    assert state["status"] == "completed"
    stages = [e["completed_stage"] for r in results for e in r.events if e["kind"] == "quest_stage"]
    assert stages == ["ask-around", "gather-help", "face-the-leviathan", "return-the-bell"]
    assert any(e["kind"] == "attack" and e["actor"] == "leviathan" for r in results for e in r.events)
    game.close()


def _store_with_game(path, url: str) -> Store:
    store = Store(url)
    store.create_game(load_campaign(path), path.read_text(), "g", seed=1)
    return store


def test_turn_is_all_or_nothing(mirefen_path, tmp_path):
    store = _store_with_game(mirefen_path, f"sqlite:///{tmp_path / 'g.sqlite'}")
    world = store.load("g").copy()
    world.party_location = "sunken-chapel"
    world.characters["wren"].location = "sunken-chapel"
    world.facts["troll-took-lantern"] = 1
    bad = TurnRecord(number=1, input="x", ok=True, events=[{"not json": object()}])
    with pytest.raises(Exception):
        store.commit_turn("g", world, bad)
    again = store.load("g")
    assert again.party_location == "village-green" and again.turn == 0 and not again.facts
    assert again.characters["wren"].location == "village-green"
    assert store.turns("g") == []


def test_two_writers_cannot_both_store_a_turn(mirefen_path, tmp_path):
    store = _store_with_game(mirefen_path, f"sqlite:///{tmp_path / 'g.sqlite'}")
    first, second = store.load("g").copy(), store.load("g").copy()
    store.commit_turn("g", first, TurnRecord(number=1, input="a", ok=True))
    with pytest.raises(TurnConflict):
        store.commit_turn("g", second, TurnRecord(number=1, input="b", ok=True))
    assert [t.input for t in store.turns("g")] == ["a"]


def test_the_world_kept_after_a_turn_is_the_world_sql_gives_back(mirefen_path, saves):
    """The store keeps the world it just stored rather than reading the whole game back each turn, and appends
    conversation lines without loading the old ones: what it keeps must be what a fresh read of SQL gives."""
    game = Game.create(mirefen_path, saves, name="kept", seed=1)
    for line in ["talk to tomas", "north", "talk to maud", "south", "talk to tomas", "/event a lost goose"]:
        game.act(line)
    kept = game.store.load("kept")
    assert [(x.turn, x.speaker) for x in kept.conversation] == [(1, "tomas"), (3, "maud"), (3, "maud"), (5, "tomas")]
    fresh = Store(game.store.url)
    try:
        read = fresh.load("kept")
        assert read == kept and read.referents == kept.referents  # what SQL does not keep is not kept either
    finally:
        fresh.close()
    # a copy's conversation log is its own: a line heard in a working world is not in the stored one
    working = kept.copy()
    working.conversation.append(working.conversation[0])
    assert len(game.store.load("kept").conversation) == 4
    game.close()


def test_a_turn_reads_the_world_from_sql_at_most_once(mirefen_path, saves):
    """Every node of a turn works on the stored world plus the turn's events: read once (on opening), then
    kept per turn and after the commit, never rebuilt from SQL node by node nor read back after storing. The
    conversation log, which grows with the campaign, is the telltale: storing a turn appends to it unread."""
    from sqlalchemy import event

    game = Game.create(mirefen_path, saves, name="reads", seed=1)
    game.close()
    game = Game.open("reads", saves)
    reads: list[str] = []
    event.listen(game.store.engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *args: reads.append(statement)
                 if statement.lstrip().upper().startswith("SELECT") and "conversation_lines.text" in statement
                 else None)
    per_turn = []
    for line in ["talk to tomas", "north", "take the smoked fish", "south", "/status"]:
        reads.clear()
        game.act(line)
        per_turn.append(len(reads))
    assert per_turn == [1, 0, 0, 0, 0], per_turn
    game.close()


def test_entities_added_in_play_persist(mirefen_path, saves):
    game = Game.create(mirefen_path, saves, name="robot")
    game.act("/event A giant red robot with glowing eyes lands on the green")
    game.act("north")
    game.act("south")
    game.close()
    state = Game.open("robot", saves).final_state()
    assert state["entities"] == [{"id": "giant-red-robot", "name": "Giant Red Robot",
                                  "location": "village-green", "appearance": "giant red robot with glowing eyes"}]


KILL_DURING_NARRATION = """
import os, signal, sys
from pathlib import Path
from gm.game import Game, Components

def flavor(world, events, lines):
    os.kill(os.getpid(), signal.SIGKILL)  # the process dies mid-turn, after the rules, before the commit
    yield ""

game = Game.open("mirefen", Path(sys.argv[1]), components=Components(flavor=flavor))
game.act("talk to tomas")
"""

RESUME = """
import json, sys
from pathlib import Path
from gm.game import Game
game = Game.open("mirefen", Path(sys.argv[1]))
pending = game.pending()
result = game.resume()
print(json.dumps({"pending": pending, "events": [e["kind"] for e in result.events], "state": game.final_state()}))
"""


def test_killed_turn_leaves_game_as_before_and_resumes_elsewhere(mirefen_path, saves):
    game = Game.create(mirefen_path, saves, name="mirefen", seed=1)
    game.act("look")
    before = game.final_state()
    game.close()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    killed = subprocess.run([sys.executable, "-c", KILL_DURING_NARRATION, str(saves)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL
    assert Game.open("mirefen", saves).final_state() == before
    resumed = subprocess.run([sys.executable, "-c", RESUME, str(saves)], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    out = json.loads(resumed.stdout)
    assert out["pending"]["type"] == "resume" and "narrate" in out["pending"]["next"]
    assert "learned" in out["events"]
    assert out["state"]["turn"] == 2 and out["state"]["facts"] == ["troll-took-lantern"]
    assert out["state"]["quests"]["light-of-mirefen"]["stage"] == "prepare"


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_migrations_match_models(tmp_path, backend, request):
    url = f"sqlite:///{tmp_path / 'm.sqlite'}" if backend == "sqlite" else request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_upgrading_an_older_database_keeps_its_games(tmp_path):
    import sqlalchemy as sa
    from alembic import command

    from gm.state.db import alembic_config

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    command.upgrade(alembic_config(url), "0001")  # a save made before games could be paused
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO games (name, campaign_id, campaign_source, seed, turn, party_location, "
                             "status, created_at, updated_at) VALUES ('old', 'c', 'x', 1, 7, 'here', 'active', "
                             "'2026-01-01', '2026-01-01')"))
    engine.dispose()
    engine = make_engine(url)  # opening a store migrates to the newest schema
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT name, turn, paused FROM games")).one()
    assert tuple(row) == ("old", 7, 0)
