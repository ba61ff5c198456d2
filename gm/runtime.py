"""Wiring: builds the components a game uses from settings.

The only module that knows which concrete model, embedder or renderer backs
each stage; the game API and its adapters take what this builds.
"""

from __future__ import annotations

from gm.game import Components, Game
from gm.settings import Settings


def build_components(settings: Settings, progress: bool = True) -> Components:
    return Components()


def open_recorder(settings: Settings, game: Game):
    return None
