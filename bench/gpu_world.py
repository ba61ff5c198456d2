"""A short scripted session through a diffusers world model, on a GPU.

    python bench/gpu_world.py --world wan-vace --model /path/to/Wan2.1-VACE-1.3B-diffusers
    python bench/gpu_world.py --world ltx --tiny            # tiny random weights: a smoke test of
                                                            # device placement, dtype and offload

Reports frames per second and the latency from a player's action to the first new frame.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gm.game import Components, Game  # noqa: E402
from gm.runtime import make_planner  # noqa: E402
from gm.settings import Settings  # noqa: E402
from worldgen.backends.diffusion import BACKEND_CLASSES, DiffusionOptions  # noqa: E402
from worldgen.plan import SegmentPlan  # noqa: E402

SCRIPT = ["talk to tomas", "go north", "talk to maud", "take smoked fish", "go south", "go east",
          "give smoked fish to bramble", "go east"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--world", choices=sorted(BACKEND_CLASSES), default="wan-vace")
    parser.add_argument("--model", help="weights directory or Hugging Face id")
    parser.add_argument("--tiny", action="store_true", help="tiny random-weight pipeline instead of weights")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--size", default="640x352")
    parser.add_argument("--frames", type=int, default=33)
    parser.add_argument("--offload", action="store_true")
    parser.add_argument("--dtype", default=None, help="bfloat16, float16 or float32")
    args = parser.parse_args()
    width, height = map(int, args.size.split("x"))
    options = DiffusionOptions(steps=args.steps, offload=args.offload, dtype=args.dtype,
                               max_sequence_length=16 if args.tiny else 226, guidance=1.0 if args.tiny else 5.0)
    cls = BACKEND_CLASSES[args.world]
    if args.tiny:
        import torch
        from worldgen.backends.tiny import TINY
        pipe = TINY[args.world]()
        device = "cuda" if torch.cuda.is_available() else "cpu"
        dtype = getattr(torch, args.dtype) if args.dtype else torch.float32
        if args.offload and device == "cuda":
            pipe.enable_model_cpu_offload()
        else:
            pipe.to(device, dtype)
        options.device = device
        backend = cls(pipe, options)
    else:
        backend = cls.from_pretrained(args.model, options)
    settings = Settings(width=width, height=height, segment_frames=args.frames)
    game = Game.create(ROOT / "campaigns" / "lantern-of-mirefen.yaml", Path(tempfile.mkdtemp()), seed=1,
                       components=Components(planner=make_planner(settings)))
    history, first_frame, frames_total, render_time = [], [], 0, 0.0
    for line in SCRIPT:
        start = time.perf_counter()
        result = game.act(line)
        seen_first = False
        for plan in (SegmentPlan.model_validate(p) for p in result.plans):
            t0 = time.perf_counter()
            for frame in backend.render(plan, history):
                if not seen_first:
                    first_frame.append(time.perf_counter() - start)
                    seen_first = True
                history = (history + [frame])[-8:]
                frames_total += 1
            render_time += time.perf_counter() - t0
    print(f"{args.world} on {options.device}, {width}x{height}, {args.steps} steps")
    print(f"frames per second: {frames_total / render_time:.2f} ({frames_total} frames)")
    print(f"action -> first new frame: median {statistics.median(first_frame):.2f} s, max {max(first_frame):.2f} s")


if __name__ == "__main__":
    main()
