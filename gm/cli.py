"""The ``worldkeeper`` command line: a thin adapter over :mod:`gm.game`.

The application and its output helpers live in :mod:`gm.cli_app`; each command module registers its
commands there, and this module imports them all. Imports run one way: cli -> commands -> cli_app.
"""

from __future__ import annotations

from gm import cli_campaign, cli_eval, cli_play  # noqa: F401  (each registers its commands on ``app``)
from gm.cli_app import app


def main() -> None:  # pragma: no cover - the console script entry point
    app()
