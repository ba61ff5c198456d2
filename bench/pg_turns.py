"""Turns per second and turn latency with many games at once: PostgreSQL shared by processes vs SQLite.

    python bench/pg_turns.py [--games 16] [--turns 25] [--postgres URL]

Plays ``--games`` games of the shipped Lantern of Mirefen at once with plain commands (no model, no video):
on PostgreSQL spread over 4 processes and over 1, and on SQLite (one save file per game) in 1 process; each
process plays its games round-robin. Every turn is a real turn: turn lock, checkpoints, commit. Reports turns
per second over the whole run, the median and p95 latency of one ``Game.act``, and turns that failed (undone). PostgreSQL comes from ``--postgres`` or
WORLDKEEPER_TEST_POSTGRES_URL; a scratch database is created on it and dropped afterwards.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gm.game import Game, TurnError  # noqa: E402

CAMPAIGN = ROOT / "campaigns" / "lantern-of-mirefen.yaml"
MOVES = ["north", "south", "look", "wait"]


def _process(saves: Path, url: str | None, games: list[str], turns: int, out: Path) -> None:
    """One process playing its games in turn (one turn of each, then the next round); writes every turn's latency.

    Round-robin in one thread rather than a thread per game: Python runs one thread at a time, so threads would
    only add waiting to each turn's latency; processes are how a deployment plays games in parallel.
    """
    opened = [Game.open(name, saves / name if url is None else saves, url) for name in games]
    latencies, failures = [], 0
    for i in range(turns):
        for game in opened:
            start = time.perf_counter()
            try:
                game.act(MOVES[i % len(MOVES)])
            except TurnError:
                failures += 1
            latencies.append(time.perf_counter() - start)
    for game in opened:
        game.close()
    out.write_text(json.dumps({"latencies": latencies, "failures": failures}))
    os._exit(0)


def run(label: str, saves: Path, url: str | None, games: int, processes: int, turns: int) -> dict:
    names = [f"g{i:02}" for i in range(games)]
    for name in names:  # SQLite: one save folder (and file) per game; PostgreSQL: one database for all
        Game.create(CAMPAIGN, saves / name if url is None else saves, name=name, seed=int(name[1:]),
                    database_url=url).close()
    fork = multiprocessing.get_context("fork")
    outs = [saves / f"{label}-{p}.json" for p in range(processes)]
    start = time.perf_counter()
    procs = [fork.Process(target=_process, args=(saves, url, names[p::processes], turns, outs[p]))
             for p in range(processes)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
        assert proc.exitcode == 0, f"a {label} process failed"
    wall = time.perf_counter() - start
    results = [json.loads(out.read_text()) for out in outs]
    latencies = sorted(x for r in results for x in r["latencies"])
    assert len(latencies) == games * turns
    return {"setup": label, "games": games, "processes": processes, "turns": len(latencies),
            "failed": sum(r["failures"] for r in results),
            "turns_per_s": round(len(latencies) / wall, 1),
            "median_ms": round(statistics.median(latencies) * 1000, 1),
            "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))] * 1000, 1), "wall_s": round(wall, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--games", type=int, default=16)
    parser.add_argument("--turns", type=int, default=25, help="turns per game")
    parser.add_argument("--postgres", default=os.environ.get("WORLDKEEPER_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    if not args.postgres:
        parser.error("give --postgres URL or set WORLDKEEPER_TEST_POSTGRES_URL")
    import sqlalchemy as sa

    db = f"wk_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{db}"'))
    url = sa.engine.make_url(args.postgres).set(database=db).render_as_string(hide_password=False)
    rows = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for label, backend, processes in [("postgres-4p", url, 4), ("postgres-1p", url, 1),
                                              ("sqlite-1p", None, 1)]:
                saves = Path(tmp) / label
                saves.mkdir()
                if backend is not None:  # each PostgreSQL run on its own games
                    with admin.connect() as conn:
                        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
                        conn.execute(sa.text(f'CREATE DATABASE "{db}"'))
                rows.append(run(label, saves, backend, args.games, processes, args.turns))
                print(json.dumps(rows[-1]), flush=True)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        admin.dispose()
    print(f"\n{'setup':<14}{'games':>6}{'procs':>6}{'turns':>7}{'failed':>7}{'turns/s':>9}{'median ms':>11}"
          f"{'p95 ms':>9}")
    for r in rows:
        print(f"{r['setup']:<14}{r['games']:>6}{r['processes']:>6}{r['turns']:>7}{r['failed']:>7}"
              f"{r['turns_per_s']:>9}{r['median_ms']:>11}{r['p95_ms']:>9}")
    print(f"\n{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
