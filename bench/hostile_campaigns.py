"""The long version of the hostile-campaign suite (tests/test_reliability.py runs ~110 of these).

    python bench/hostile_campaigns.py [--count 1000] [--seeds 5]

Mutates the shipped campaigns (wrong types, missing references, huge dice, hostile templates,
deep nesting, alias bombs, bad unicode, control characters, non-text YAML tags ...), validates
every mutant, and plays every accepted one with the plain-command walkthrough. Reports how many
were refused, how many of those had a file:line:column for every problem, how many were played
and completed, crashes (tracebacks) and validation time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from hostile import campaign_mutants, judge_mutant  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="mutants per seed (at least)")
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    totals = {"mutants": 0, "refused": 0, "refused_located": 0, "accepted": 0, "accepted_completed": 0,
              "accepted_turns": 0, "crashes": 0, "raw_control_bytes": 0}
    times: list[float] = []
    crashes: list[str] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.seeds):
            for i, mutant in enumerate(campaign_mutants(args.count, seed=seed)):
                totals["mutants"] += 1
                try:
                    verdict = judge_mutant(mutant, Path(tmp), seed * 100_000 + i)
                except Exception:
                    totals["crashes"] += 1
                    crashes.append(f"{mutant.label}: {traceback.format_exc(limit=3)}")
                    continue
                times.append(verdict.validate_s)
                totals["raw_control_bytes"] += not verdict.clean
                if verdict.refused:
                    totals["refused"] += 1
                    totals["refused_located"] += verdict.located
                else:
                    totals["accepted"] += 1
                    totals["accepted_completed"] += verdict.completed
                    totals["accepted_turns"] += verdict.turns
    times.sort()
    report = {**totals, "validate_ms_median": round(statistics.median(times) * 1000, 1),
              "validate_ms_p95": round(times[int(len(times) * 0.95)] * 1000, 1),
              "validate_ms_max": round(times[-1] * 1000, 1), "wall_s": round(time.monotonic() - started, 1)}
    print(json.dumps(report, indent=2))
    for crash in crashes[:10]:
        print(crash, file=sys.stderr)
    if crashes or totals["refused_located"] != totals["refused"] or totals["raw_control_bytes"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
