"""What Worldkeeper costs to install and to start: install size, model cache size, first and later start.

    python bench/footprint.py                 # cache and start-up figures (a fresh cache in a temp dir)
    python bench/footprint.py --install       # also: `pip install torch==2.13.0 .` into a fresh venv
                                              # (several minutes; --install-only for just that)

First start = assembling the packaged GGUF, dequantizing it and caching bf16 safetensors, then loading the
model and choosing once; later start = loading the cached model and choosing once. Each runs in its own
process, so nothing is warm that a new player's machine would not have warm.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

START = """
import sys, time
from pathlib import Path
t0 = time.perf_counter()
from gm.agent.models import TransformersModel, embedded_model_dir
model = TransformersModel(embedded_model_dir(Path(sys.argv[1])), "embedded")
model.choose("Player: I feed the fish to the wolf\\n1. talk to Tomas\\n2. give the fish to Bramble\\nAnswer:",
             ["talk", "give"])
print(time.perf_counter() - t0)
"""


def size_of(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def timed_start(cache: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of a new process loading the model and choosing once. CPU time is the
    steadier figure on a shared machine: it does not count the time spent waiting for a core."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-c", START, str(cache)], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return float(done.stdout.strip().splitlines()[-1]), cpu


def install_size(work: Path) -> dict:
    """A fresh venv with Worldkeeper's default dependencies: its size and its largest packages, in MB."""
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, "torch==2.13.0", str(ROOT)], check=True)  # the README's install line
    site = next(venv.glob("lib/python*/site-packages"))
    sizes = {p.name: size_of(p) for p in site.iterdir() if p.is_dir() and not p.name.endswith((".dist-info", "-info"))}
    largest = dict(sorted(((k, round(v / 2**20)) for k, v in sizes.items()), key=lambda kv: -kv[1])[:12])
    return {"install_mb": round(size_of(venv) / 2**20), "largest_mb": largest}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--install", action="store_true", help="also measure a fresh venv's install size")
    parser.add_argument("--install-only", action="store_true", help="only measure the install size")
    args = parser.parse_args()
    if args.install_only:
        with tempfile.TemporaryDirectory() as tmp:
            print(json.dumps(install_size(Path(tmp))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cache = work / "cache"
        first = timed_start(cache)
        later = timed_start(cache)
        report = {"cache_mb": round(size_of(cache / "gemma-3-270m") / 2**20),
                  "cache_with_assembled_gguf_mb": round(size_of(cache) / 2**20),
                  "first_start_s": round(first[0], 1), "first_start_cpu_s": round(first[1], 1),
                  "later_start_s": round(later[0], 1), "later_start_cpu_s": round(later[1], 1),
                  "load_average": os.getloadavg()[0]}
        if args.install:
            report.update(install_size(work))
    print(json.dumps(report))


if __name__ == "__main__":
    main()
