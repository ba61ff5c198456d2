"""Kill -9 at random moments of scripted play with video on, and check that nothing is ever lost or broken.

    python bench/kill_soak.py --kills 100          # the long version (figures in the README)

Each round starts ``worldkeeper play`` on the save (the first with the campaign, later ones with --resume)
with the inputs not yet stored, and kills it with SIGKILL a random time after it reports its first turn.
After every kill: the save opens; its turns are stored whole and numbered 1..N with no gap; the world keeps
its invariants; every clip under its real name decodes (a clip being written lives under a temporary name).
When the kills are done the save plays on to the end of the story (and two turns past the last kill), and
its final state must equal an uninterrupted run of the same inputs and seed, and its session video must
assemble with no clip left out. Wall and CPU time are those of the kill rounds and the final run (the plays'
CPU, not the checks'); the load average is sampled after each round.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

CAMPAIGN = ROOT / "campaigns" / "lantern-of-mirefen.yaml"
ENV = {"WORLDKEEPER_LLM": "none", "WORLDKEEPER_SEGMENT_FRAMES": "12", "WORLDKEEPER_WIDTH": "320",
       "WORLDKEEPER_HEIGHT": "180", "PYTHONPATH": str(ROOT)}


def walkthrough(seed: int, work: Path) -> list[str]:
    """The inputs of a whole playthrough (plain commands, each one turn), found by playing it once."""
    from gm.game import Game
    from playthrough import play_mirefen

    game = Game.create(CAMPAIGN, work / "rehearsal", seed=seed)
    try:
        return [r.input for r in play_mirefen(game)]
    finally:
        game.close()


def play(args: list[str], script: list[str], work: Path) -> subprocess.Popen:
    path = work / f"script-{time.monotonic_ns()}.txt"
    path.write_text("\n".join(script) + "\n")
    return subprocess.Popen([sys.executable, "-m", "gm", "play", *args, "--script", str(path), "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            env={**os.environ, **ENV})


def created(save: Path) -> bool:
    """Whether the first run got as far as storing the new game (a kill before that leaves no save)."""
    from gm.state.db import sqlite_url
    from gm.state.store import Store

    if not (save / "game.sqlite").exists():
        return False
    store = Store(sqlite_url(save / "game.sqlite"))
    try:
        return any(g.name == save.name for g in store.games())
    finally:
        store.close()


def inspect(save: Path) -> tuple[int, bool]:
    """(turns stored, whether a turn is waiting to be finished), checking the save is whole."""
    import av

    from gm.game import Game
    from gm.state.invariants import violations

    game = Game.open(save.name, save.parent)
    try:
        world = game.world()
        numbers = [t.number for t in game.store.turns(game.name)]
        assert numbers == list(range(1, world.turn + 1)), f"turns stored {numbers[-3:]} but world at {world.turn}"
        assert violations(world) == [], violations(world)
        pending = game.pending() is not None
    finally:
        game.close()
    clips = sorted((save / "clips").glob("turn-*.mp4"))
    if clips:  # the newest is the only one a kill could have touched
        with av.open(str(clips[-1])) as container:
            assert sum(1 for _ in container.decode(video=0)) > 0, f"{clips[-1]} has no frames"
    return world.turn, pending


def _children_cpu() -> float:
    """User+system CPU seconds of the finished child processes (the plays; the soak's own checks are small)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def soak(kills: int, work: Path, seed: int = 1, max_delay: float = 3.0, rng: random.Random | None = None) -> dict:
    rng = rng or random.Random(seed)
    story = walkthrough(seed, work)
    # Play on after the end, so there is play left for every kill however fast turns go (a round plays
    # up to max_delay seconds of turns, ten or more a second); only what the soak played is replayed.
    lines = story + ["look", "wait"] * (50 * kills * max(1, math.ceil(max_delay)))

    save = work / "soak"
    killed = mid_turn = resumes = 0
    unreadable: list[str] = []  # why a save failed its checks after a kill; the soak stops at the first
    exits: list[str] = []  # runs that ended by themselves before their kill, with their stderr
    started, cpu_before = time.perf_counter(), _children_cpu()
    loads = [os.getloadavg()[0]]
    while killed < kills:
        try:
            done, waiting = inspect(save) if created(save) else (0, False)
        except Exception as exc:  # noqa: BLE001 -- a save that fails its checks is the finding, reported below
            unreadable.append(f"after kill {killed}: {type(exc).__name__}: {exc}")
            break
        rest = lines[done + (1 if waiting else 0):]
        if not rest:
            break
        resumes += created(save)
        args = ["--resume", str(save)] if created(save) else [str(CAMPAIGN), "--seed", str(seed), "--save", str(save)]
        proc = play(args, rest, work)
        playing = threading.Event()  # set at the first turn this process reports: start-up is not the point
        reader = threading.Thread(target=lambda: [playing.set() for _ in proc.stdout], daemon=True)
        reader.start()
        playing.wait(timeout=600)
        try:
            proc.wait(timeout=rng.uniform(0.0, max_delay))
            ended = True  # with thousands of inputs left, a run that ends by itself before its kill is a finding
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            killed, ended = killed + 1, False
        reader.join(timeout=10)
        err = proc.stderr.read()
        if ended:
            exits.append(f"after kill {killed}: exit {proc.returncode}: {err[-500:]}")
        loads.append(os.getloadavg()[0])
        if created(save) and not unreadable:
            try:
                mid_turn += inspect(save)[1]
            except Exception as exc:  # noqa: BLE001 -- as above
                unreadable.append(f"after kill {killed}: {type(exc).__name__}: {exc}")
                break
    if unreadable:
        return {"kills": killed, "kills_mid_turn": mid_turn, "resumes": resumes, "unreadable_saves": unreadable,
                "unexpected_exits": exits,
                "identical": False, "clips_left_out": None, "diff": None}
    done, waiting = inspect(save)
    start = done + (1 if waiting else 0)
    end = max(len(story), start + 2)  # the story to its end, and a little play after the last kill
    final = play(["--resume", str(save), "--session-video"], lines[start:end], work)
    out, err = final.communicate(timeout=1800)
    assert final.returncode == 0, err[-2000:]
    seconds, cpu = round(time.perf_counter() - started, 1), round(_children_cpu() - cpu_before, 1)
    emitted = [json.loads(line) for line in out.splitlines()]
    state = emitted[-1]
    lost_clips = len([e for e in emitted if e.get("type") == "warning"])
    # The same inputs and seed played through with no kill.
    reference = play([str(CAMPAIGN), "--seed", str(seed), "--save", str(work / "reference")], lines[:end], work)
    ref_out, ref_err = reference.communicate(timeout=1800)
    assert reference.returncode == 0, ref_err[-2000:]
    expected = json.loads(ref_out.splitlines()[-1])
    for key in ("clips", "session_video"):
        state.pop(key, None), expected.pop(key, None)
    return {"kills": killed, "kills_mid_turn": mid_turn, "resumes": resumes + 1, "unreadable_saves": unreadable,
            "unexpected_exits": exits,
            "turns": end, "identical": state == expected, "clips_left_out": lost_clips,
            "seconds": seconds, "cpu_seconds": cpu,
            "load_avg_1min": {"min": min(loads), "mean": round(sum(loads) / len(loads), 2), "max": max(loads)},
            "diff": None if state == expected else {k: (state.get(k), expected.get(k)) for k in expected
                                                     if state.get(k) != expected.get(k)}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-delay", type=float, default=3.0,
                        help="kill within this many seconds of the run's first played turn")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        report = soak(args.kills, Path(tmp), args.seed, args.max_delay)
    print(json.dumps(report))
    sys.exit(0 if report["identical"] and not report["clips_left_out"] and not report["unreadable_saves"]
             and not report["unexpected_exits"] else 1)


if __name__ == "__main__":
    main()
