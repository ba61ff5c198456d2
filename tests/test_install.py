"""The installed package works on its own: shipped campaigns and migrations come from the install."""

from __future__ import annotations

import shutil
import subprocess

import pytest


def test_installed_console_script_finds_shipped_campaigns(tmp_path):
    exe = shutil.which("worldkeeper")
    if exe is None:
        pytest.skip("worldkeeper is not installed (pip install .)")
    # run from an empty folder so nothing can come from the checkout
    result = subprocess.run([exe, "campaign", "list"], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "lantern-of-mirefen" in result.stdout and "derelict-signal" in result.stdout
