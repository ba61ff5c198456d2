"""Saves made before validation grew stricter (#12): their stored campaign is read leniently, with one warning.

An earlier Worldkeeper stored a campaign that today's checks refuse (`hp: true` read as 1, a `!!binary`
value read as its text, dice of any size, numbers past today's bounds, control characters in text).
The save must still open and play, never a traceback: each such field is read the way it can be and
named, with the save's file, in one warning.
"""

from __future__ import annotations

import logging
import re
import sys

import pytest
import sqlalchemy as sa

from conftest import ROOT, run_cli
from playthrough import play_mirefen

from gm.campaign.loader import CampaignError, parse_campaign, parse_stored_campaign
from gm.game import Game

LANTERN = ROOT / "campaigns" / "lantern-of-mirefen.yaml"

# What an earlier version accepted and stored (text replacements in the shipped campaign), each refused today.
OLD_TEXT = [
    ("hp: 9", "hp: true"),
    ("hp: 14", "hp: !!binary MTQ="),  # base64 of "14"
    ("bonus: 4, damage: 1d8+1}", "bonus: 99999999, damage: 1000000d1000000}"),
    ('appearance: "large grey marsh wolf', 'appearance: "\\a\\x1b]0;pwned\\x07large grey marsh wolf'),
]
# Each field, and what the lenient reading makes of it.
READ_AS = [
    ("characters.bramble.hp", "read as 1"),
    ("characters.wren.hp", "read as 14"),
    ("characters.wren.attacks[0].damage", "read as '100d1000'"),
    ("characters.wren.attacks[0].bonus", "read as 1000000"),
    ("characters.bramble.appearance", "control characters"),
]


def _old_source() -> str:
    text = LANTERN.read_text(encoding="utf-8")
    for old, new in OLD_TEXT:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def _store_as_an_old_version_did(tmp_path, source: str, began_from=LANTERN) -> None:
    """A save whose games row holds ``source``: the raw campaign text, as create_game has always stored it."""
    game = Game.create(began_from, tmp_path, name="old", seed=3)
    with game.store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE games SET campaign_source = :s"), {"s": source})
    game.close()


@pytest.mark.parametrize("old, new", OLD_TEXT)
def test_every_old_field_is_refused_today(old, new):
    """The premise: a new campaign file holding any one of them is refused, at its place."""
    with pytest.raises(CampaignError) as caught:
        parse_campaign(LANTERN.read_text(encoding="utf-8").replace(old, new, 1), "c.yaml")
    assert all(p.line is not None for p in caught.value.problems), caught.value


def test_capped_dice_leave_the_expression_itself_refused():
    """Capping works on a copy: d20 caches the trees it parses, and the cap must not leak into them."""
    from gm.rules.dice import DiceError, capped, check_expression

    assert capped("1000000d1000000") == "100d1000" and capped("3d2000+2d4") == "3d1000 + 2d4"
    assert capped("1d1e1") is None and capped("nonsense") is None
    with pytest.raises(DiceError):
        check_expression("1000000d1000000")


def test_an_old_save_opens_and_plays_to_the_end_with_one_warning(tmp_path, caplog):
    _store_as_an_old_version_did(tmp_path, _old_source())
    with caplog.at_level(logging.WARNING):
        game = Game.open("old", tmp_path)
        results = play_mirefen(game)
        world = game.world()
        game.close()
        listed = Game.open("old", tmp_path)  # a second open in the same process says nothing new
        summaries = listed.store.games()
        listed.close()
    assert all(r.ok for r in results)
    assert world.status == "completed" or all(q.status == "done" for q in world.quests.values()), world.quests
    campaign = world.campaign
    assert campaign.characters["bramble"].hp == 1 and campaign.characters["wren"].hp == 14
    assert campaign.characters["wren"].attacks[0].damage == "100d1000"
    assert campaign.characters["wren"].attacks[0].bonus == 1_000_000
    assert "\x1b" not in campaign.characters["bramble"].appearance
    assert summaries[0].title == campaign.title
    warnings = [r.getMessage() for r in caplog.records if "stored campaign" in r.getMessage()]
    assert len(warnings) == 1, warnings
    warning = warnings[0]
    assert str(tmp_path / "old" / "game.sqlite") in warning
    for path, read_as in READ_AS:
        line = next(line for line in warning.splitlines() if path + ":" in line)
        assert read_as in line, line
        assert re.match(r"  \d+:\d+: ", line), line  # line:column in the stored campaign


def test_an_old_save_resumes_in_the_terminal_without_a_traceback(tmp_path):
    _store_as_an_old_version_did(tmp_path, _old_source())
    script = tmp_path / "script.txt"
    script.write_text("look\nnorth\n")
    done = run_cli("play", "--resume", str(tmp_path / "old"), "--script", str(script), "--json", "--no-video",
                   env={"WORLDKEEPER_LLM": "none", "WORLDKEEPER_DATA_DIR": str(tmp_path / "data"),
                        "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert "characters.bramble.hp" in done.stderr and "read as 1" in done.stderr
    assert '"turn": 2' in done.stdout.splitlines()[-1]


def test_a_stored_campaign_that_cannot_be_read_is_a_located_error_and_still_listed(tmp_path):
    """Some damage no lenient reading can undo (a required field gone): a clear error, never a traceback."""
    source = LANTERN.read_text(encoding="utf-8").replace("\nstart:", "\nbeginning:", 1)
    with pytest.raises(CampaignError) as caught:
        parse_stored_campaign(source, "save.sqlite")
    assert any(p.path == "start" and "missing" in p.message for p in caught.value.problems), caught.value
    _store_as_an_old_version_did(tmp_path, source)
    with pytest.raises(CampaignError):
        Game.open("old", tmp_path).world()
    from gm.state.db import sqlite_url
    from gm.state.store import Store
    store = Store(sqlite_url(tmp_path / "old" / "game.sqlite"))
    assert [g.name for g in store.games()] == ["old"]
    store.close()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__]))


@pytest.mark.timeout(300)
def test_every_hostile_campaign_stored_in_a_save_opens_and_plays_or_is_a_located_error(tmp_path, caplog):
    """The hostile campaign files of the reliability suite, each as if an earlier version had stored it in a
    save: read leniently and played, or refused at file:line:column; never a traceback."""
    from hostile import campaign_mutants

    lenient = 0
    for i, mutant in enumerate(campaign_mutants(count=110, seed=12)):
        try:
            parse_campaign(mutant.raw, "c.yaml", check_templates=False)
            continue  # valid today: the suite's own test plays it
        except CampaignError:
            pass
        try:
            parse_stored_campaign(mutant.raw, "save")
        except CampaignError as exc:
            assert all(p.line is not None for p in exc.problems), (mutant.label, str(exc))
            continue
        lenient += 1
        stem = mutant.label.split(":")[0]
        _store_as_an_old_version_did(tmp_path / str(i), mutant.raw.decode("utf-8"), ROOT / "campaigns" / f"{stem}.yaml")
        game = Game.open("old", tmp_path / str(i))
        try:
            assert game.act("look").ok, mutant.label
        finally:
            game.close()
    assert lenient >= 40, lenient
