"""Playing cost against campaign length: turn time and a one-turn run's wall time (start, turn, exit) from
turn 1 to turn N, with video on (a clip per turn), on one save.

    python bench/long_campaign.py --turns 2000 --every 250

Turns are played in this process through the same path as the CLI (Game + PlaySession + the game's one
world stream writing a clip per turn); at each milestone a separate ``worldkeeper play --resume SAVE --script``
process plays one turn, and its whole wall time is measured (what a player waits for from typing the command
to getting the prompt back). Prints one JSON line per milestone, with the size of ``checkpoints.sqlite``
(only an unfinished turn needs its checkpoints, so it should not grow) and of the conversation log.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ENV = {"WORLDKEEPER_LLM": "none", "PYTHONPATH": str(ROOT)}
# a walk that also talks: every conversation line is kept for good, so the save grows the way a played
# campaign's does (a walk alone leaves the stored world the same size at turn 2,000 as at turn 1)
WANDER = ["north", "talk to maud", "south", "talk to tomas", "look", "east", "west", "wait"]


def one_turn_run(save: Path, work: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of a whole one-turn run. CPU time is the steadier figure on a shared machine."""
    script = work / "one.txt"
    script.write_text("look\n")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "gm", "play", "--resume", str(save), "--script", str(script),
                           "--json"], capture_output=True, text=True, cwd=ROOT, env={**os.environ, **ENV})
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert done.returncode == 0, done.stderr[-2000:]
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _kb(path: Path) -> int | None:
    return round(path.stat().st_size / 1024) if path.exists() else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=2000)
    parser.add_argument("--every", type=int, default=250)
    args = parser.parse_args()
    os.environ.update(ENV)
    from gm.game import Game
    from gm.runtime import build_components, open_video
    from gm.session import PlaySession
    from gm.settings import Settings

    settings = Settings()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        components = build_components(settings, progress=False)
        game = Game.create(ROOT / "campaigns" / "lantern-of-mirefen.yaml", work / "saves", name="long", seed=1,
                           components=components)
        save = game.folder
        milestones = [1, *range(args.every, args.turns + 1, args.every)]
        times: list[float] = []
        cpu: list[float] = []
        i = 0
        for milestone in milestones:
            session = PlaySession(game, open_video(settings, game))
            while game.world().turn < milestone - 1:
                start, start_cpu = time.perf_counter(), time.process_time()
                session.act(WANDER[i % len(WANDER)])
                times.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
                i += 1
            session.close()
            game.close()
            run, run_cpu = one_turn_run(save, work)
            game = Game.open("long", work / "saves", components=components)
            recent, recent_cpu = times[-50:] or [0.0], cpu[-50:] or [0.0]
            clips = len(list((save / "clips").glob("turn-*.mp4")))
            world = game.world()
            print(json.dumps({"turn": world.turn, "clips": clips, "conversation_lines": len(world.conversation),
                              "turn_median_s": round(statistics.median(recent), 3),
                              "turn_median_cpu_s": round(statistics.median(recent_cpu), 3),
                              "one_turn_run_s": round(run, 2), "one_turn_run_cpu_s": round(run_cpu, 2),
                              "load_average": round(os.getloadavg()[0], 1),
                              "checkpoints_kb": _kb(save / "checkpoints.sqlite"),
                              "game_kb": _kb(save / "game.sqlite")}), flush=True)
        game.close()


if __name__ == "__main__":
    main()
