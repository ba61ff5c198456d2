"""Frames per second through Ray Serve (1 and 2 replicas of the storyboard) against in-process rendering.

All in one run, on one local Ray instance, on the same plans: real segment plans of a shipped campaign at
the default size (640x360). ``streams`` games render at once (one thread each, as games in one process
would); a single stream gives the per-frame overhead of going through Serve.

    python bench/serve_bench.py [--streams 4] [--frames 96] [--plans 3]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gm.campaign import load_campaign  # noqa: E402
from gm.runtime import make_planner  # noqa: E402
from gm.settings import Settings  # noqa: E402
from gm.state.world import World  # noqa: E402
from worldgen.backends import load_backend  # noqa: E402
from worldgen.plan import SegmentPlan  # noqa: E402


def game_plans(seed: int, count: int, frames: int) -> list[SegmentPlan]:
    planner = make_planner(Settings(segment_frames=frames))
    world = World.new(load_campaign(ROOT / "campaigns" / "lantern-of-mirefen.yaml"), seed=seed)
    plans = planner(world, [], 0, None)
    places = ["herb-hut", "village-green", "reed-path", "sunken-chapel"]
    while len(plans) < count:
        world.party_location = places[len(plans) % len(places)]
        plans += planner(world, [], len(plans), plans[-1])
    return [SegmentPlan.model_validate(p) for p in plans[:count]]


def play(backend, plans: list[SegmentPlan]) -> int:
    history, frames = [], 0
    for plan in plans:
        for frame in backend.render(plan, history[-8:]):
            history.append(frame)
            frames += 1
    return frames


def measure(make_backend, games: list[list[SegmentPlan]]) -> dict:
    backends = [make_backend() for _ in games]
    play(backends[0], games[0][:1])  # warm-up: backdrops painted, connections made
    start = time.perf_counter()
    with ThreadPoolExecutor(len(games)) as pool:
        frames = sum(pool.map(play, backends, games))
    seconds = time.perf_counter() - start
    return {"streams": len(games), "frames": frames, "seconds": round(seconds, 3), "fps": round(frames / seconds, 1),
            "ms_per_frame": round(1000 * seconds / frames, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", type=int, default=4, help="games rendering at once")
    parser.add_argument("--frames", type=int, default=96, help="frames per segment plan")
    parser.add_argument("--plans", type=int, default=3, help="plans per game")
    args = parser.parse_args()

    os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # Ray on 127.0.0.1 only (read on import)
    import ray
    from ray import serve

    from worldgen.backends.serve import ServeBackend, deployment

    games = [game_plans(seed, args.plans, args.frames) for seed in range(args.streams)]
    ray.init(num_cpus=4, include_dashboard=False, namespace="worldkeeper", log_to_driver=False,
             object_store_memory=300 * 2**20)
    serve.start(proxy_location="Disabled")
    rows = []
    try:
        rows.append({"path": "in-process", **measure(lambda: load_backend("storyboard"), games[:1])})
        rows.append({"path": "in-process", **measure(lambda: load_backend("storyboard"), games)})
        for replicas in (1, 2):
            app = f"bench-{replicas}"
            serve.run(deployment("storyboard", replicas=replicas, num_cpus=1, max_ongoing_requests=args.streams),
                      name=app, route_prefix=None)
            for streams, per_messages in ((1, (1, 8)), (args.streams, (1, 8))):
                for per_message in per_messages:
                    rows.append({"path": f"serve {replicas} replica{'s' if replicas > 1 else ''}, "
                                         f"{per_message} frame{'s' if per_message > 1 else ''}/message",
                                 **measure(lambda: ServeBackend(app=app, per_message=per_message), games[:streams])})
            serve.delete(app)
    finally:
        serve.shutdown()
        ray.shutdown()
    base = rows[0]["ms_per_frame"]
    print(f"cpus: {os.cpu_count()}, frame 640x360, {args.plans} plans x {args.frames} frames per game")
    print(f"{'path':44} {'streams':>7} {'frames':>6} {'fps':>8} {'ms/frame':>9} {'overhead ms/frame':>18}")
    for row in rows:
        overhead = f"{row['ms_per_frame'] - base:+.2f}" if row["streams"] == 1 else ""
        print(f"{row['path']:44} {row['streams']:>7} {row['frames']:>6} {row['fps']:>8} {row['ms_per_frame']:>9}"
              f" {overhead:>18}")
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
