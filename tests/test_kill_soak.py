"""kill -9 at random moments of scripted play with video on (the CI-bounded version of bench/kill_soak.py)."""

from __future__ import annotations

import random
import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))


def test_random_kills_lose_nothing_and_replay_identically(tmp_path):
    """Six kills (the bench script runs a hundred): every save opens whole, every clip decodes, and the game
    played on to the end equals an uninterrupted run. Slow by nature: each round starts a process."""
    from kill_soak import soak

    report = soak(6, tmp_path, seed=1, max_delay=1.0, rng=random.Random(7))
    assert report["kills"] == 6, report
    assert report["identical"], report["diff"]
    assert report["clips_left_out"] == 0, report
