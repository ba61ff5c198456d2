"""The diffusers backends' own overhead against calling the pipeline directly (tiny models, CPU).

    python bench/diffusion_overhead.py [--repeats 5] [--size 128x64] [--frames 17]

For each backend: render a plan through the backend (which builds the layout video,
reference images, conditions and interpolated prompt embeddings, then calls the
pipeline), and call the pipeline directly with the very same arguments. Reports the
median times and the backend's overhead (target: under 5%).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gm.campaign import load_campaign  # noqa: E402
from gm.state.world import World  # noqa: E402
from worldgen.backends.diffusion import BACKEND_CLASSES, DiffusionOptions  # noqa: E402
from worldgen.backends.tiny import TINY  # noqa: E402
from worldgen.plan import plan_turn  # noqa: E402


class Capture:
    def __init__(self, pipe):
        self.pipe, self.kwargs = pipe, None

    def __call__(self, **kwargs):
        self.kwargs = kwargs
        return self.pipe(**kwargs)

    def __getattr__(self, name):
        return getattr(self.pipe, name)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--size", default="128x64")
    parser.add_argument("--frames", type=int, default=17)
    parser.add_argument("--steps", type=int, default=4)
    args = parser.parse_args()
    width, height = map(int, args.size.split("x"))
    campaign = ROOT / "campaigns" / "lantern-of-mirefen.yaml"
    world = World.new(load_campaign(campaign), seed=1)
    plan = plan_turn(world, [], 1, None, frames=args.frames, width=width, height=height)[-1]
    print(f"tiny pipelines, CPU, {width}x{height}, {args.frames} frames, {args.steps} steps, "
          f"median of {args.repeats}")
    for name, build in TINY.items():
        backend = BACKEND_CLASSES[name](build(), DiffusionOptions(steps=args.steps, guidance=1.0,
                                                                   max_sequence_length=16))
        capture = Capture(backend.pipe)
        backend.pipe = capture
        list(backend.render(plan, []))  # warm up: caches, references, embeddings
        through, direct = [], []
        for _ in range(args.repeats):
            start = time.perf_counter()
            list(backend.render(plan, []))
            through.append(time.perf_counter() - start)
            kwargs = dict(capture.kwargs)
            start = time.perf_counter()
            capture.pipe(**kwargs)
            direct.append(time.perf_counter() - start)
        b, d = statistics.median(through), statistics.median(direct)
        print(f"{name:12s} backend {b * 1000:8.1f} ms   pipeline alone {d * 1000:8.1f} ms   "
              f"overhead {100 * (b - d) / d:+.1f}%")


if __name__ == "__main__":
    main()
