"""Measure how well free text is understood, on development sets of player inputs.

A development set is YAML: scenes, each a campaign (a shipped name, or a file path relative to
the set) reached by playing ``setup`` (plain commands) from a new game, and inputs interpreted
in that scene::

    scenes:
      - campaign: lantern-of-mirefen
        setup: [north]
        inputs:
          - {text: "grab the fish", cat: terse, expect: {action: take, item: smoked-fish}}
          - {text: "brb, dinner", cat: none, expect: null}                        # should change nothing
          - {text: "nod to maud and leave", cat: multi,
             expect: [{action: talk, target: maud}, {action: move, target: south}]}  # a sequence
          - {text: "search the shelves", cat: open, expect: {action: check, stat: wits, approach: search}}

``expect`` is null (no action: a clarification, a refusal or an answer that changes nothing),
one intent, or a list of intents carried out in order. An expected field must equal the intent's
field; a list value accepts any of its items (except ``action``, which is one) (``stat: [might, grace]``, ``target: [bog-troll, null]``
where the rules pick the only enemy). Fields left out are not judged.

An input is *right* when the interpretation carries out exactly what is expected. It is *wrong*
when it carries out something else (another action, target, item or skill, an extra step, or
any action the rules would carry out on a line that should change nothing, other than looking or
waiting); that is worse
than a miss, where the player is asked or refused. Details such as a check's stat or a talk's
topic can make an input a miss, never wrong.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from gm.agent.commands import parse_command
from gm.agent.interpret import Grounder, Interpretation, interpret
from gm.campaign.loader import load_campaign, resolve_campaign
from gm.intent import Action, Intent
from gm.rules.advance import advance
from gm.rules.dice import Dice
from gm.actions import resolve
from gm.state.world import World

# what changes the world differently when it differs: a mismatch here is a wrong action, not a miss
IDENTITY = ("action", "target", "item", "skill")
# actions that change nothing, so doing one on a line that wanted nothing is a miss, not wrong
HARMLESS = {"look", "wait"}
PARTS = ("tuned", "untuned")
ACTION_NAMES = {a.value for a in Action}


def default_sets() -> list[Path]:
    """The development sets shipped with the package: the main set first, the others tuned on, and the held-out
    (untuned) one last."""
    root = Path(str(resources.files("gm") / "evalsets"))
    main = root / "devset.yaml"
    held = root / "untuned" / "devset-untuned.yaml"
    others = sorted(p for p in [*root.glob("devset*.yaml"), *root.glob("*/devset*.yaml")] if p not in (main, held))
    return [main, *others, held]


@dataclass
class Case:
    part: str  # "tuned" or "untuned" (written against a campaign the grounding was never tuned on)
    source: str  # the development set file
    scene: int  # the scene's index in it
    campaign: str
    setup: list[str]
    text: str
    category: str
    expected: list[dict] | None  # None: nothing should happen


@dataclass
class Result:
    case: Case
    got: list[dict]
    kind: str
    via: str
    ms: float
    right: bool
    wrong: bool
    candidates: list = field(default_factory=list)


class DevsetError(ValueError):
    pass


def load_cases(path: Path) -> list[Case]:
    """The inputs of a development set, with their expectations normalised to lists of intents."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DevsetError(f"{path}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("scenes"), list):
        raise DevsetError(f"{path}: a development set is a mapping with a list of scenes")
    part = "untuned" if data.get("untuned") or "untuned" in path.name else "tuned"
    cases = []
    for s, scene in enumerate(data["scenes"]):
        for i, case in enumerate(scene.get("inputs", [])):
            where = f"{path}: scene {s + 1} input {i + 1}"
            if "text" not in case or "expect" not in case:
                raise DevsetError(f"{where}: an input needs text and expect (expect: null for no action)")
            expect = case["expect"]
            if expect is not None and not isinstance(expect, (dict, list)):
                raise DevsetError(f"{where}: expect is null, an intent or a list of intents")
            steps = None if expect is None else (expect if isinstance(expect, list) else [expect])
            if steps is not None and (not steps or not all(isinstance(x, dict) and "action" in x for x in steps)):
                raise DevsetError(f"{where}: each expected intent needs an action")
            for step in steps or []:
                if not isinstance(step["action"], str) or step["action"] not in ACTION_NAMES:
                    raise DevsetError(f"{where}: action {step['action']!r} is not one action of "
                                      f"{', '.join(sorted(ACTION_NAMES))}")
            campaign = scene["campaign"]
            local = path.parent / campaign
            cases.append(Case(part, str(path), s, str(local) if local.suffix in (".yaml", ".yml") else campaign,
                              list(scene.get("setup") or []), str(case["text"]), str(case.get("cat") or "plain"),
                              steps))
    return cases


def scene_world(campaign_name: str, setup: list[str], seed: int = 1) -> World:
    """A new game of the campaign with ``setup`` (plain commands) played through the rules."""
    world = World.new(load_campaign(resolve_campaign(campaign_name)), seed)
    for line in setup:
        intent = parse_command(world, line)
        if intent is None:
            raise ValueError(f"setup line is not a plain command: {line!r}")
        world.turn += 1
        dice = Dice(seed, world.turn)
        outcome = resolve(world, intent, dice)
        if not outcome.ok:
            raise ValueError(f"setup line {line!r} was refused: {outcome.reason}")
        advance(world, dice, intent, world.pcs()[0].key)
    return world


def intents_of(found: Interpretation) -> list[Intent]:
    """What an interpretation would carry out: nothing, one intent, or a sequence."""
    if found.kind != "action":
        return []
    several = getattr(found, "intents", None)  # a multi-action line, where grounding returns sequences
    if several:
        return list(several)
    return [found.intent] if found.intent is not None else []


def intent_fields(intent: Intent) -> dict:
    """Every field of an intent (newer fields such as stat, approach, topic included), enum values as text."""
    return {k: getattr(v, "value", v) for k, v in intent.model_dump().items()}


def effective_fields(world: World, intent: Intent) -> dict:
    """The intent's fields, with a check's stat filled in from the authored feature check it attempts
    (the rules roll that stat; the grounder may leave it out), and a talk's authored topic read as the
    fact it reveals (expectations name facts)."""
    fields = intent_fields(intent)
    if fields["action"] == "talk" and fields.get("topic") and fields.get("target") in world.campaign.characters:
        topic = getattr(world.campaign.characters[fields["target"]], "topics", {}).get(fields["topic"])
        if getattr(topic, "reveals", None):
            fields["topic"] = topic.reveals
    if fields["action"] == "check" and fields.get("stat") is None and hasattr(world, "features_here"):
        feature = dict(world.features_here()).get(fields.get("target"))
        check = feature.checks.get(fields.get("approach")) if feature is not None else None
        if check is not None and check.stat:
            fields["stat"] = check.stat
    return fields


def _field_ok(want, got) -> bool:
    return got in want if isinstance(want, list) else got == want


def step_matches(expected: dict, got: dict, keys=None) -> bool:
    return all(_field_ok(v, got.get(k)) for k, v in expected.items() if keys is None or k in keys)


def refused(world: World, intent: Intent) -> bool:
    """Whether the rules refuse ``intent`` in this scene (a refusal changes nothing)."""
    trial = world.copy()
    trial.turn += 1
    return not resolve(trial, intent, Dice(0, trial.turn)).ok


def judge(expected: list[dict] | None, got: list[Intent], world: World) -> tuple[bool, bool]:
    """(right, wrong) for what was carried out against what was expected.

    On a line that should change nothing, an intent the rules refuse ("Maud isn't here") is right:
    the player gets an answer and nothing changes."""
    if expected is None:
        done = [i for i in got if not refused(world, i)]
        return not done, any(i.action.value not in HARMLESS for i in done)
    fields = [effective_fields(world, i) for i in got]
    right = len(got) == len(expected) and all(step_matches(e, g) for e, g in zip(expected, fields))
    wrong = len(got) > len(expected) or not all(step_matches(e, g, IDENTITY) for e, g in zip(expected, fields))
    return right, wrong and not right


def matches(expected: dict, got: dict | None) -> bool:
    """Whether one interpreted intent (as a dict) fulfils one expected intent."""
    return got is not None and step_matches(expected, got)


def run_cases(cases: list[Case], grounder: Grounder | None, topics=None) -> list[Result]:
    """Interpret each case in its scene; ``topics`` (what the turn graph uses to choose what a talk asks
    about: ``attend(world, intent, text)``) completes talk intents as in play."""
    results, worlds = [], {}
    for case in cases:
        key = (case.source, case.scene)
        if key not in worlds:
            worlds[key] = scene_world(case.campaign, case.setup)
        start = time.perf_counter()
        found = interpret(worlds[key], case.text, grounder)
        intents = intents_of(found)
        if topics is not None:
            intents = [topics.attend(worlds[key], i, case.text) if i.action.value == "talk" else i for i in intents]
        ms = (time.perf_counter() - start) * 1000
        got = [effective_fields(worlds[key], i) for i in intents]
        right, wrong = judge(case.expected, intents, worlds[key])
        results.append(Result(case, got, found.kind, found.via if found.kind == "action" else found.kind, ms,
                              right, wrong, list(found.candidates)))
    return results


@dataclass
class Report:
    """Accuracy and latency of one grounder over development sets."""

    results: list[Result]

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def correct(self) -> int:
        return sum(r.right for r in self.results)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def misses(self) -> list[Result]:
        return [r for r in self.results if not r.right]

    def latencies_ms(self) -> list[float]:
        return [r.ms for r in self.results]

    def percentile(self, q: float) -> float:
        values = sorted(self.latencies_ms())
        return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else 0.0

    def groups(self, key) -> dict[str, list[Result]]:
        out: dict[str, list[Result]] = defaultdict(list)
        for r in self.results:
            for k in key(r):
                out[k].append(r)
        return dict(sorted(out.items()))

    def by_category(self) -> dict[str, list[Result]]:
        return self.groups(lambda r: [r.case.category])

    def by_action(self) -> dict[str, list[Result]]:
        """Each input under each expected action ("none" for lines that should change nothing)."""
        return self.groups(lambda r: sorted({e["action"] for e in r.case.expected}) if r.case.expected else ["none"])

    def by_part(self) -> dict[str, list[Result]]:
        return self.groups(lambda r: [r.case.part])

    def details(self) -> dict[str, tuple[int, int]]:
        """For open actions and questions: (right detail, inputs whose action was right) — the stat or
        approach of a check, the topic of a talk."""
        out = {}
        for action, keys in (("check", ("stat", "approach")), ("talk", ("topic",))):
            for key in keys:
                judged = [(e, g) for r in self.results if r.case.expected and len(r.got) == len(r.case.expected)
                          for e, g in zip(r.case.expected, r.got)
                          if e["action"] == action and key in e and step_matches(e, g, IDENTITY)]
                if judged:
                    out[f"{action} {key}"] = (sum(_field_ok(e[key], g.get(key)) for e, g in judged), len(judged))
        return out

    def as_dict(self) -> dict:
        def score(rs: list[Result]) -> dict:
            return {"n": len(rs), "right": sum(r.right for r in rs), "wrong": sum(r.wrong for r in rs),
                    "accuracy": round(sum(r.right for r in rs) / len(rs), 4) if rs else None}

        lat = self.latencies_ms()
        return {**score(self.results),
                "latency_ms": {"median": round(statistics.median(lat), 1) if lat else None,
                               "p95": round(self.percentile(0.95), 1)},
                "parts": {k: score(v) for k, v in self.by_part().items()},
                "categories": {k: score(v) for k, v in self.by_category().items()},
                "actions": {k: score(v) for k, v in self.by_action().items()},
                "details": {k: {"right": a, "n": n} for k, (a, n) in self.details().items()},
                "via": {k: score(v) for k, v in self.groups(lambda r: [r.via]).items()},
                "misses": [{"part": r.case.part, "campaign": Path(r.case.campaign).stem, "category": r.case.category,
                            "text": r.case.text, "expected": r.case.expected, "got": r.got, "kind": r.kind,
                            "wrong": r.wrong, "candidates": r.candidates} for r in self.misses]}

    def summary(self) -> str:
        def line(name: str, rs: list[Result]) -> str:
            n, ok, bad = len(rs), sum(r.right for r in rs), sum(r.wrong for r in rs)
            return f"  {name:<14} {ok:>4}/{n:<4} {ok / n:6.1%}   wrong {bad}"

        lat = self.latencies_ms()
        wrong = sum(r.wrong for r in self.results)
        lines = [f"accuracy: {self.correct}/{self.total} = {self.accuracy:.1%}",
                 f"wrong actions (carried out something else; worse than asking): {wrong}/{self.total} = "
                 f"{wrong / self.total if self.total else 0:.1%}",
                 f"intent latency: median {statistics.median(lat) if lat else 0:.1f} ms, "
                 f"p95 {self.percentile(0.95):.1f} ms",
                 "by part (untuned: a campaign written apart from the grounding, never tuned on):"]
        lines += [line(k, v) for k, v in self.by_part().items()]
        lines.append("by category:")
        lines += [line(k, v) for k, v in self.by_category().items()]
        lines.append("by expected action:")
        lines += [line(k, v) for k, v in self.by_action().items()]
        details = self.details()
        if details:
            lines.append("details, where the action was right:")
            lines += [f"  {k:<14} {a:>4}/{n:<4} {a / n:6.1%}" for k, (a, n) in details.items()]
        lines.append("by route: " + ", ".join(f"{k} {sum(r.right for r in v)}/{len(v)}"
                                              for k, v in self.groups(lambda r: [r.via]).items()))
        return "\n".join(lines)


def evaluate(devsets: Path | list[Path], grounder: Grounder | None, topics=None) -> Report:
    """Interpret every input of the development set(s) with ``grounder`` (and ``topics`` for what talk asks
    about, when the game has one); the report judges each."""
    paths = [devsets] if isinstance(devsets, Path) else list(devsets)
    return Report(run_cases([c for p in paths for c in load_cases(p)], grounder, topics))


def compare(base: Report, other: Report) -> tuple[int, int, int]:
    """(inputs whose verdict differs, better in ``other``, worse in ``other``), input by input."""
    changed = better = worse = 0
    for a, b in zip(base.results, other.results):
        if a.got != b.got or a.kind != b.kind:
            changed += 1
            better += b.right and not a.right
            worse += a.right and not b.right
    return changed, better, worse
