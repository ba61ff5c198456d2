"""World-stream benchmark: sustained storyboard fps with H.264 encoding, and action-to-frame latency.

    python bench/stream_bench.py [--campaign PATH] [--seconds 10]

Pins itself to one core. Reports:
  * sustained fps of storyboard rendering + libx264 encoding at 640x360 (target >= 30);
  * latency from submitting a plan to the first frame showing it (stream only);
  * latency from a player's action (game.act, plain command) to the first frame reflecting it
    (turn graph + SQL commit + plan + render; target < 100 ms).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gm.game import Components, Game  # noqa: E402
from gm.runtime import make_planner, warm_storyboard  # noqa: E402
from gm.settings import Settings  # noqa: E402
from worldgen.backends.storyboard import StoryboardBackend  # noqa: E402
from worldgen.plan import SegmentPlan  # noqa: E402
from worldgen.stream import WorldStream  # noqa: E402
from worldgen.video import LiveMp4, Mp4Writer  # noqa: E402

SCRIPT = ["north", "talk to kenji", "take rice ball", "up", "talk to sayuri", "learn purifying chant from sayuri",
          "down", "south", "east", "give rice ball to hachi", "east", "use purifying chant on leviathan",
          "use purifying chant on leviathan", "west", "rest", "east"]


def sustained_fps(plans: list[SegmentPlan], seconds: float) -> float:
    backend = StoryboardBackend()
    sink = tempfile.NamedTemporaryFile(suffix=".mp4", delete=False)
    writer = Mp4Writer(Path(sink.name), 640, 360, 24, preset="veryfast")
    live = LiveMp4(640, 360, 24, lambda fragment: None)
    frames, start, history = 0, time.perf_counter(), []
    while time.perf_counter() - start < seconds:
        for plan in plans:
            for frame in backend.render(plan, history):
                writer.write(frame)
                live.write(frame)
                frames += 1
            history = [frame]
    elapsed = time.perf_counter() - start
    writer.close()
    live.close()
    os.unlink(sink.name)
    return frames / elapsed


def latencies(campaign: Path, rounds: int) -> tuple[list[float], list[float]]:
    saves = Path(tempfile.mkdtemp())
    settings = Settings()
    game = Game.create(campaign, saves, name="bench", seed=1, components=Components(planner=make_planner(settings)))
    warm_storyboard(settings, game.world())  # as the viewer does when it opens a game
    opening = SegmentPlan.model_validate(game.act("look").plans[-1])
    stream = WorldStream(StoryboardBackend(), opening, realtime=True).start()
    frames = stream.frames()
    submit_ms, action_ms = [], []
    try:
        for i in range(rounds):
            line = SCRIPT[i % len(SCRIPT)] if i < len(SCRIPT) else "look"
            for _ in range(3):
                next(frames)
            t0 = time.perf_counter()
            result = game.act(line)
            plans = [SegmentPlan.model_validate(p) for p in result.plans]
            t1 = time.perf_counter()
            stream.submit(plans)
            target = plans[0].id
            for item in frames:
                if item.plan_id == target:
                    break
            submit_ms.append((item.produced_at - t1) * 1000)
            action_ms.append((item.produced_at - t0) * 1000)
    finally:
        stream.stop()
        game.close()
    return submit_ms, action_ms


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--campaign", type=Path, default=ROOT.parent / "shared/fixtures/neon-shrine.yaml")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    if not args.campaign.exists():
        args.campaign = ROOT / "campaigns/lantern-of-mirefen.yaml"
        SCRIPT[:] = ["talk to tomas", "north", "talk to maud", "take smoked fish", "south", "east",
                     "give smoked fish to bramble", "east", "attack bog troll", "attack bog troll", "west", "rest"]
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    submit_ms, action_ms = latencies(args.campaign, args.rounds)
    saves = Path(tempfile.mkdtemp())
    game = Game.create(args.campaign, saves, name="plans", seed=1,
                       components=Components(planner=make_planner(Settings())))
    plans = [SegmentPlan.model_validate(p) for line in SCRIPT for p in game.act(line).plans]
    game.close()
    fps = sustained_fps(plans, args.seconds)
    print(f"campaign: {args.campaign.name}; one core; 640x360")
    print(f"sustained storyboard + H.264 (MP4 + live fMP4): {fps:.1f} fps")
    print(f"plan submitted -> first frame: median {statistics.median(submit_ms):.1f} ms, "
          f"p95 {pct(submit_ms, 0.95):.1f} ms")
    print(f"action -> first frame (turn + SQL + plan + render): median {statistics.median(action_ms):.1f} ms, "
          f"p95 {pct(action_ms, 0.95):.1f} ms")


if __name__ == "__main__":
    main()
