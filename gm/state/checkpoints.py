"""Where unfinished turns wait: langgraph's checkpointer, on the game's own database when it is PostgreSQL.

A checkpoint is what lets a turn that waits on a player, or was cut off by a crash, be finished by a later
process. On PostgreSQL the checkpoints live in the same database as the games, so any process that can
play a game can finish its interrupted turn; with SQLite they live in ``checkpoints.sqlite`` in the save
folder, beside the game. Only an unfinished turn needs its checkpoints: ``Game`` deletes a turn's thread
once the turn is stored.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from langgraph.checkpoint.base import BaseCheckpointSaver
from sqlalchemy.engine import make_url

# serializes the checkpoint tables' creation when several processes open games at once
_SETUP_LOCK_KEY = 0x574B4350  # "WKCP"


def open_checkpointer(database_url: str | None, folder: Path) -> tuple[BaseCheckpointSaver, Callable[[], None]]:
    """A checkpointer for the game stored at ``database_url`` (SQLite in ``folder`` when None), and its closer."""
    if database_url is not None and make_url(database_url).get_backend_name() == "postgresql":
        return _postgres(database_url)
    from langgraph.checkpoint.sqlite import SqliteSaver

    folder.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(folder / "checkpoints.sqlite", check_same_thread=False)
    # WAL without a sync per step: a checkpoint survives the process dying (what resuming needs)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return SqliteSaver(conn), conn.close


def _postgres(database_url: str) -> tuple[BaseCheckpointSaver, Callable[[], None]]:
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg import Connection
    from psycopg.rows import dict_row

    # the checkpointer speaks psycopg 3 whatever driver the game's SQLAlchemy URL names
    conninfo = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = Connection.connect(conninfo, autocommit=True, prepare_threshold=0, row_factory=dict_row)
    # a checkpoint must outlive the process that wrote it, not a crash of the server: without waiting for the
    # disk at each of a turn's steps, a server crash can lose the last steps, and the turn is then re-run from
    # an earlier one, which computes the same. The game's own commit stays synchronous.
    conn.execute("SET synchronous_commit = off")
    saver = PostgresSaver(conn)
    conn.execute("SELECT pg_advisory_lock(%s)", (_SETUP_LOCK_KEY,))
    try:
        saver.setup()  # its migrations are not safe to run from two processes at the same moment
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (_SETUP_LOCK_KEY,))
    return saver, conn.close
