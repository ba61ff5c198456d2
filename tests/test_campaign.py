"""The campaign format: shipped campaigns, the conformance file, and located errors for bad files."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import CAMPAIGNS, run_cli
from gm.campaign import CampaignError, load_campaign, parse_campaign
from gm.campaign.schema import Campaign


def test_conformance_campaign_loads(neon_path):
    campaign = load_campaign(neon_path)
    assert campaign.id == "neon-shrine"
    assert campaign.characters["hachi"].recruit is not None
    assert [s.id for s in campaign.quests["the-stolen-bell"].stages] == [
        "ask-around", "gather-help", "face-the-leviathan", "return-the-bell"]


@pytest.mark.parametrize("path", sorted(CAMPAIGNS.glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_campaigns_are_complete(path):
    c = load_campaign(path)
    kinds = [ch.kind.value for ch in c.characters.values()]
    assert "npc" in kinds and "companion" in kinds and "monster" in kinds
    assert any(ch.teaches for ch in c.characters.values()), "a skill to learn"
    assert any(ch.recruit for ch in c.characters.values()), "a companion to recruit"
    assert any(ch.attacks for ch in c.characters.values() if ch.kind.value == "monster"), "a boss that fights back"
    assert c.items and any(len(q.stages) >= 3 for q in c.quests.values())


def test_shipped_campaigns_differ_in_genre():
    styles = {load_campaign(p).style.visual for p in CAMPAIGNS.glob("*.yaml")}
    assert len(styles) >= 2


def test_cli_validate_good_file(mirefen_path):
    result = run_cli("campaign", "validate", str(mirefen_path))
    assert result.returncode == 0, result.stderr
    assert "ok" in result.stdout and "The Lantern of Mirefen" in result.stdout
    assert len(result.stdout.strip().splitlines()) == 1


def _broken(source, tmp_path, old: str, new: str):
    text = source.read_text()
    assert old in text, old
    path = tmp_path / "broken.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


def _line_of(path, needle: str) -> int:
    """The last line containing ``needle`` (the broken copy's change comes after the original)."""
    return [i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line][-1]


BREAKAGES = [
    # (replace this, with this, a line containing this is where the error points, words in the message)
    ("  time: \"dusk\"", "  time: \"dusk\"\n  weather: rain", "weather: rain", "unknown key 'weather'"),
    ("    hp: 28", "    hp: twenty-eight", "hp: twenty-eight", "valid integer"),
    ("    name: Tomas\n", "", "  tomas:", "missing required field 'name'"),
    ("exits: {south: village-green}", "exits: {south: village-gren}", "village-gren", "unknown location 'village-gren'"),
    ("inventory: [hunting-knife]", "inventory: [hunting-knif]", "hunting-knif]", "unknown item 'hunting-knif'"),
    ("{learned: troll-took-lantern}", "{learned: troll-took-lanter}", "troll-took-lanter}",
     "unknown fact 'troll-took-lanter'"),
    ("{recruited: bramble}", "{recruited: tomas}", "recruited: tomas", "only companions"),
    ("      - id: prepare", "      - id: learn-what-happened", "id: learn-what-happened",
     "duplicate stage id 'learn-what-happened'"),
    ("{defeated: bog-troll}", "{check: might, dc: hard}", "check: might", "can never complete"),
    ("{defeated: bog-troll}", "{knows_skill: {character: tomas, skill: sunfire-ward}}", "character: tomas",
     "can never complete"),
    ("{learned: troll-took-lantern}", "{learnt: troll-took-lantern}", "learnt", "not a condition"),
    ("stat: spirit\n    damage: 2d6+2", "stat: spirit\n    damage: 2x6+2", "damage: 2x6", "not a dice expression"),
]


@pytest.mark.parametrize("old,new,where,message", BREAKAGES, ids=[b[3][:30] for b in BREAKAGES])
def test_broken_copy_gets_located_errors(mirefen_path, tmp_path, old, new, where, message):
    path = _broken(mirefen_path, tmp_path, old, new)
    with pytest.raises(CampaignError) as info:
        load_campaign(path)
    problems = info.value.problems
    hit = [p for p in problems if message in p.message]
    assert hit, [str(p) for p in problems]
    assert hit[0].source == str(path)
    assert hit[0].line == _line_of(path, where), str(hit[0])
    assert hit[0].column is not None and hit[0].path


def test_cli_reports_broken_file_with_location(mirefen_path, tmp_path):
    path = _broken(mirefen_path, tmp_path, "exits: {south: village-green}", "exits: {south: nowhere}")
    result = run_cli("campaign", "validate", str(path))
    assert result.returncode == 1
    line = _line_of(path, "south: nowhere")
    assert f"{path}:{line}:" in result.stderr
    assert "locations.herb-hut.exits.south" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


JUNK = {
    "empty": b"",
    "whitespace": b"   \n\n",
    "binary": bytes(range(256)) * 4,
    "nul": b"id: x\x00\n",
    "list root": b"- 1\n- 2\n",
    "scalar root": b"hello",
    "unclosed": b"id: [1, 2\ntitle: x",
    "tabs": b"id:\n\t- x",
    "deep": b"a: " + b"[" * 5000 + b"]" * 5000,
    "bomb": (b"a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
             b"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
             b"e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"),
    "huge": b"summary: '" + b"x" * (3 * 1024 * 1024) + b"'\n",
    "python tag": b"!!python/object/apply:os.system ['echo hi']",
    "duplicate keys": b"id: a\nid: b\n",
    "bad utf8": b"id: caf\xe9\n",
}


@pytest.mark.parametrize("name", JUNK)
def test_junk_is_a_clear_error(name):
    with pytest.raises(CampaignError) as info:
        parse_campaign(JUNK[name], "junk.yaml")
    assert info.value.problems and all(p.message for p in info.value.problems)


@pytest.mark.parametrize("name", ["binary", "bomb", "deep"])
def test_cli_never_prints_a_traceback(tmp_path, name):
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(JUNK[name])
    result = run_cli("campaign", "validate", str(path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and str(path) in result.stderr


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=400), st.text(max_size=400).map(str.encode)))
def test_any_bytes_load_or_fail_cleanly(raw):
    try:
        parse_campaign(raw)
    except CampaignError as exc:
        assert exc.problems


def test_schema_command_prints_json_schema():
    result = run_cli("campaign", "schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert {"id", "locations", "quests", "characters"} <= set(schema["properties"])
    assert schema == Campaign.model_json_schema()
