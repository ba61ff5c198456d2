"""Shared test fixtures: the shipped reference campaign, the external conformance campaign, PostgreSQL, save folders.

Core tests run on a shipped campaign (`mirefen_path`) so that a fresh clone runs them all; only the
conformance test plays `../shared/fixtures/neon-shrine.yaml`, and skips when that checkout is absent.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
# WORLDKEEPER_CONFORMANCE_CAMPAIGN points at the file where the shared checkout is elsewhere.
NEON = Path(os.environ.get("WORLDKEEPER_CONFORMANCE_CAMPAIGN") or SHARED / "fixtures" / "neon-shrine.yaml")
CAMPAIGNS = ROOT / "campaigns"
MIREFEN = CAMPAIGNS / "lantern-of-mirefen.yaml"


@pytest.fixture
def mirefen_path() -> Path:
    """The shipped campaign the core tests play: an NPC who tells a fact, a companion recruited by a
    gift, a skill learned and used, a boss that fights back."""
    return MIREFEN


@pytest.fixture
def neon_path() -> Path:
    if not NEON.exists():
        pytest.skip(f"conformance fixture {NEON} is not present (check out the shared fixtures beside this "
                    "repository, or set WORLDKEEPER_CONFORMANCE_CAMPAIGN)")
    return NEON


@pytest.fixture
def saves(tmp_path: Path) -> Path:
    return tmp_path / "saves"


def worldkeeper_cmd() -> list[str]:
    """The installed console script when there is one, else the module."""
    exe = shutil.which("worldkeeper")
    return [exe] if exe else [sys.executable, "-m", "gm"]


def run_cli(*args: str, input: str | None = None, env: dict | None = None, timeout: int = 600):
    return subprocess.run([*worldkeeper_cmd(), *args], capture_output=True, text=True, input=input,
                          env={**os.environ, **(env or {})}, timeout=timeout, cwd=ROOT)


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The URL of a PostgreSQL server to create test databases on.

    CI starts one (see .ci/run) and sets WORLDKEEPER_TEST_POSTGRES_URL; elsewhere
    these tests skip when no server is configured.
    """
    url = os.environ.get("WORLDKEEPER_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI must test PostgreSQL: WORLDKEEPER_TEST_POSTGRES_URL is not set")
        pytest.skip("no PostgreSQL server (set WORLDKEEPER_TEST_POSTGRES_URL)")
    return url


@pytest.fixture
def postgres_url(postgres_server: str):
    """A fresh, empty database for one test, dropped afterwards."""
    import sqlalchemy as sa

    name = f"wk_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(postgres_server).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


# --- grounding: one embedder and one grounder for the whole run (loading MiniLM costs seconds) ---------------

@pytest.fixture(scope="session")
def embedder():
    from gm.agent.models import load_embedder
    return load_embedder()


@pytest.fixture(scope="session")
def grounder(embedder):
    from gm.agent.grounding import EmbeddingGrounder
    return EmbeddingGrounder(embedder)


def intent_steps(found) -> list[dict]:
    """The intents an interpretation carries out, in order, without their empty fields ([] when it acts not)."""
    if found.kind != "action":
        return []
    return [{k: v for k, v in i.model_dump(mode="json").items() if v is not None}
            for i in (found.intents or [found.intent])]


def assert_steps(found, text: str, expected: list[dict] | None) -> None:
    """That ``found`` carries out exactly the ``expected`` steps, in order (each a subset of the intent's
    fields), or nothing at all when ``expected`` is None."""
    steps = intent_steps(found)
    if expected is None:
        assert steps == [], f"{text!r} carried out {steps}"
        return
    assert len(steps) == len(expected), f"{text!r}: {found.kind} {steps} {found.clarification}"
    for want, got in zip(expected, steps):
        assert all(got.get(k) == v for k, v in want.items()), f"{text!r}: {steps}"
