"""The diffusers backends' own overhead over the pipeline they call (tiny models, CPU).

    python bench/diffusion_overhead.py [--repeats 5] [--size 128x64] [--frames 17]

For each backend, a plan is rendered through the backend (which draws the layout video,
reference images and conditions, interpolates prompt embeddings, converts and resizes the
output, then calls the pipeline). The time spent inside the pipeline call is measured in
the same run, so machine noise between separate runs does not enter the figure:
overhead = (backend time - time inside the pipeline) / time inside the pipeline
(target: under 5%). The pipeline alone is also timed with the very same arguments, for
reference.
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
from gm.plan import plan_turn  # noqa: E402


class Timed:
    """The real pipeline; keeps the last call's arguments and the time spent inside calls."""

    def __init__(self, pipe):
        self.pipe, self.kwargs, self.inside = pipe, None, 0.0

    def __call__(self, **kwargs):
        self.kwargs = kwargs
        start = time.perf_counter()
        try:
            return self.pipe(**kwargs)
        finally:
            self.inside += time.perf_counter() - start

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
    world = World.new(load_campaign(ROOT / "campaigns" / "lantern-of-mirefen.yaml"), seed=1)
    first = plan_turn(world, [], 1, None, frames=args.frames, width=width, height=height)[-1]
    world.characters["wren"].pose = "fighting"
    second = plan_turn(world, [], 2, first, frames=args.frames, width=width, height=height)[-1]  # a blend
    print(f"tiny pipelines, CPU, {width}x{height}, {args.frames} frames, {args.steps} steps, "
          f"{args.repeats} repeats of a cut and a blended segment")
    for name, build in TINY.items():
        backend = BACKEND_CLASSES[name](build(), DiffusionOptions(steps=args.steps, guidance=1.0,
                                                                   max_sequence_length=16))
        timed = backend.pipe = Timed(backend.pipe)
        if name == "skyreels-df":
            backend.extend = Timed(backend.extend)
        pipes = [timed] + ([backend.extend] if name == "skyreels-df" else [])
        shown = list(backend.render(first, []))  # warm up: caches, references, embeddings
        list(backend.render(second, shown))
        overheads, totals, alone = [], [], []
        for _ in range(args.repeats):
            for pipe in pipes:
                pipe.inside = 0.0
            backend._layout = ("", [])  # as with new plans: the layout video is drawn again
            start = time.perf_counter()
            shown = list(backend.render(first, []))
            list(backend.render(second, shown))
            total = time.perf_counter() - start
            inside = sum(p.inside for p in pipes)
            overheads.append((total - inside) / inside)
            totals.append(total)
            start = time.perf_counter()
            timed.pipe(**timed.kwargs)
            alone.append(time.perf_counter() - start)
        print(f"{name:12s} backend {statistics.median(totals) * 1000:8.1f} ms for two segments   "
              f"overhead {100 * statistics.median(overheads):+.1f}%   "
              f"(one pipeline call alone: {statistics.median(alone) * 1000:.1f} ms)")


if __name__ == "__main__":
    main()
