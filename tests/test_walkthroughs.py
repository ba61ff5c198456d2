"""Free-text walkthroughs (#10) and conversation / open-action playthroughs (#11) of every shipped campaign
and of the conformance campaign, through the real turn graph with the embedding grounder.

The scripts live in bench/walkthroughs/: ``<campaign>.txt`` plays the campaign to its last quest stage in
free text; ``<campaign>-talk.txt`` asks NPCs questions (one of them twice) and attempts open actions, each
marked for the test by a ``#> ask|repeat|check`` comment on the line before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import NEON, ROOT, run_cli
from gm.campaign.loader import shipped_campaigns
from gm.game import Components, Game
from playthrough import play_to_end

SCRIPTS = ROOT / "bench" / "walkthroughs"
CAMPAIGNS = sorted(shipped_campaigns()) + ["neon-shrine"]


def campaign_path(name: str) -> Path:
    if name == "neon-shrine":
        if not NEON.exists():
            pytest.skip("../shared/fixtures/neon-shrine.yaml is not present")
        return NEON
    return shipped_campaigns()[name]


def script_lines(path: Path) -> list[tuple[str | None, str]]:
    """(mark, line) for each line a scripted play sends, the mark from a ``#> kind`` comment just before."""
    lines, mark = [], None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#>"):
            mark = line[2:].strip()
        elif line and not line.startswith("#"):
            lines.append((mark, line))
            mark = None
    return lines


@pytest.fixture(scope="module")
def grounder():
    from gm.agent.grounding import EmbeddingGrounder
    from gm.agent.models import load_embedder
    return EmbeddingGrounder(load_embedder())


def test_every_campaign_has_both_scripts():
    for name in CAMPAIGNS:
        assert (SCRIPTS / f"{name}.txt").exists() and (SCRIPTS / f"{name}-talk.txt").exists(), name


@pytest.mark.slow
@pytest.mark.parametrize("name", CAMPAIGNS)
def test_free_text_walkthrough_reaches_the_end(name, grounder, saves):
    """The script's lines in order; its marked fight lines are repeated until the foe falls, as a player would."""
    path = campaign_path(name)
    lines = script_lines(SCRIPTS / f"{name}.txt")
    fight = {mark: line for mark, line in lines if mark}
    first = next(i for i, (mark, _) in enumerate(lines) if mark)
    opening = [line for _, line in lines[:first]]
    closing = [line for mark, line in lines[first:] if not mark]
    game = Game.create(path, saves, seed=4, components=Components(grounder=grounder))
    foe = next(c for c in game.world().characters.values() if game.world().spec(c.key).kind.value == "monster")
    log = []
    try:
        play_to_end(game, opening, boss=foe.key, arena=game.world().spec(foe.key).location, attack=fight["attack"],
                    back=fight["flee"], there=fight["return"], rest=fight["rest"], closing=closing, max_turns=60,
                    on_turn=lambda r: log.append(f"{r.input!r} -> {r.intent} ok={r.ok}: {r.narration[:90]!r}"))
        state = game.final_state()
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n" + "\n".join(log[-40:])) from None
    finally:
        game.close()
    assert state["status"] == "completed", "\n".join(log[-40:])
    assert all(q["status"] == "completed" for q in state["quests"].values())


@pytest.mark.slow
@pytest.mark.parametrize("name", CAMPAIGNS)
def test_scripted_playthrough_shows_checks_answers_and_recall(name, tmp_path):
    script = SCRIPTS / f"{name}-talk.txt"
    result = run_cli("play", str(campaign_path(name)), "--script", str(script), "--json", "--llm", "none",
                     "--no-video", "--seed", "1", env={"WORLDKEEPER_DATA_DIR": str(tmp_path / "data")})
    assert result.returncode == 0, result.stderr
    turns = [t for t in map(json.loads, result.stdout.splitlines()) if t.get("type") == "turn"]
    marks = script_lines(script)
    assert len(turns) == len(marks)
    asked: dict[str, str] = {}  # question -> first answer
    for (mark, line), turn in zip(marks, turns):
        intent = turn["intent"]
        if mark == "check":
            assert intent["action"] == "check" and turn["rolls"], f"{line!r} is settled by a roll: {turn}"
        elif mark in ("ask", "repeat"):
            assert intent["action"] == "talk" and turn["ok"], f"{line!r} is a question to an NPC: {turn}"
            if mark == "ask":
                assert turn["narration"] not in asked.values(), f"{line!r} gets its own answer"
                asked[line] = turn["narration"]
            else:
                assert turn["narration"] != asked[line], f"asked again, {line!r} is recalled, not repeated"
