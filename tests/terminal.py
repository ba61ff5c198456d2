"""A terminal a test can read and type into: one tmux session on its own tmux server.

Each session gets a private server socket (``tmux -L``). On a shared default server, killing the
last session makes the server exit, and a session started by the next test in that moment fails
with "server exited unexpectedly"; a private server has no neighbour to race."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from conftest import ROOT


def game_env(data: Path) -> dict:
    """The environment a game process under test runs with: its own data folder, no model."""
    return {**os.environ, "WORLDKEEPER_DATA_DIR": str(data), "WORLDKEEPER_LLM": "none", "PYTHONPATH": str(ROOT)}


class Tmux:
    def __init__(self, name: str, command: list[str], env: dict, width: int = 170, height: int = 60):
        self.name = name
        exports = " ".join(f"{k}={v!r}" for k, v in env.items() if k.startswith(("WORLDKEEPER_", "PYTHONPATH")))
        shell = f"cd {ROOT} && env {exports} {' '.join(command)}; sleep 30"
        self._tmux("new-session", "-d", "-s", name, "-x", str(width), "-y", str(height), shell, check=True)

    def _tmux(self, *args: str, check: bool = False) -> str:
        return subprocess.run(["tmux", "-L", self.name, *args], capture_output=True, text=True, check=check).stdout

    def screen(self) -> str:
        """The screen and its scrollback, with wrapped lines joined (-J) so long paths stay whole."""
        return self._tmux("capture-pane", "-t", self.name, "-p", "-J", "-S", "-300")

    def title(self) -> str:
        return self._tmux("display-message", "-t", self.name, "-p", "#{pane_title}")

    def wait_for(self, *texts: str, timeout: float = 180) -> str:
        """The screen once every one of ``texts`` is on it: wait for what you assert, not for its neighbour."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            screen = self.screen()
            if all(text in screen for text in texts):
                return screen
            time.sleep(0.5)
        missing = [text for text in texts if text not in self.screen()]
        raise AssertionError(f"{missing!r} never appeared on the screen:\n{self.screen()}")

    def type(self, line: str) -> None:
        self._tmux("send-keys", "-t", self.name, line, "Enter", check=True)

    def close(self) -> None:
        self._tmux("kill-server")
