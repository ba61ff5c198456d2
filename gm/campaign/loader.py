"""Load campaign files into a validated :class:`Campaign`, or explain what is wrong.

Errors are values (:class:`Problem`) with file, line, column and field path,
so the CLI, the bot and tests can show them without a traceback.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from gm.campaign.checks import reference_problems
from gm.campaign.fields import DICE_ERROR
from gm.campaign.schema import Campaign
from gm.campaign.templates import template_problems
from gm.campaign.yamlsource import Mark, YamlDocument, YamlSourceError, read_yaml
from gm.rules.dice import capped

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Problem:
    source: str
    line: int | None
    column: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f":{self.line}:{self.column}"
        field = f" {self.path}:" if self.path else ""
        return f"{where}:{field} {self.message}"


class CampaignError(Exception):
    """A campaign file that cannot be used, with every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _path_text(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _describe(err: dict) -> str:
    kind, loc = err["type"], err["loc"]
    name = loc[-1] if loc else ""
    if kind == "missing":
        return f"missing required field {name!r}"
    if kind == "extra_forbidden":
        return f"unknown key {name!r}"
    if kind == "condition":
        got = err.get("input")
        shown = "{" + ", ".join(map(str, got)) + "}" if isinstance(got, dict) else repr(got)
        return f"{shown} is {err['msg']}"
    if kind == DICE_ERROR:
        return err["msg"]
    if kind == "value_error" and "error" in err.get("ctx", {}):
        return str(err["ctx"]["error"])
    msg = err["msg"]
    got = err.get("input")
    if isinstance(got, (str, int, float, bool)) or got is None:
        shown = repr(got)
        msg += f" (got {shown[:60] + '…' if len(shown) > 60 else shown})"
    return msg


def _problem(source: str, doc: YamlDocument | None, path: tuple, message: str) -> Problem:
    mark: Mark | None = None
    if doc is not None:
        mark, _ = doc.locate(path)
    return Problem(source, mark.line if mark else None, mark.column if mark else None, _path_text(path), message)


def parse_campaign(raw: bytes | str, source: str = "<campaign>", *, check_templates: bool = True) -> Campaign:
    """Validate campaign text. Raises :class:`CampaignError` listing every problem found.

    ``check_templates=False`` skips rendering the ``prompts:`` overrides against samples: a saved
    game's campaign was checked when the game began, and play falls back from a failing template
    anyway, so a save stays openable even if the checks have grown stricter since.
    """
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    try:
        doc = read_yaml(raw)
    except YamlSourceError as exc:
        line, col = (exc.mark.line, exc.mark.column) if exc.mark else (None, None)
        raise CampaignError([Problem(source, line, col, "", exc.message)]) from None
    if not isinstance(doc.data, dict):
        raise CampaignError([_problem(source, doc, (), "a campaign file must be a mapping of keys such as "
                                                        "id, title, start, locations")])
    try:
        campaign = Campaign.model_validate(doc.data)
    except ValidationError as exc:
        problems = [_problem(source, doc, tuple(e["loc"]), _describe(e)) for e in exc.errors()]
        raise CampaignError(_dedupe(problems)) from None
    problems = [_problem(source, doc, path, msg) for path, msg in reference_problems(campaign)]
    if check_templates:
        problems += [_template_problem(source, doc, name, msg, line)
                     for name, msg, line in template_problems(campaign.prompts, _names(campaign))]
    if problems:
        raise CampaignError(problems)
    return campaign


def parse_stored_campaign(raw: bytes | str, source: str) -> Campaign:
    """The campaign stored in a save, read as it was when the game began.

    Validation grows stricter over time (strict numbers, bounded dice, plain YAML only), and a save
    made before must still open and play. What today's checks refuse is read the way it can be (``hp:
    true`` as 1, ``!!binary`` as its text, ``1000000d1000000`` as ``100d1000``, a number past a bound
    as the bound, an unknown key left out), and the whole is said in one warning naming ``source``, each
    field and what it was read as. What cannot be read that way still raises :class:`CampaignError`.
    """
    try:
        return parse_campaign(raw, source, check_templates=False)
    except CampaignError as strict:
        refused = strict
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    try:
        doc = read_yaml(raw, lenient=True)
    except YamlSourceError:
        raise refused from None
    repairs: dict[tuple, list[str]] = {}  # what was read otherwise, by field, in the order found
    for path, message in doc.repairs:
        repairs.setdefault(path, []).append(message)
    for _ in range(_REPAIR_PASSES):
        try:
            campaign = Campaign.model_validate(doc.data)
            break
        except ValidationError as exc:
            fixed = [r for e in exc.errors() if (r := _repair(doc.data, e)) is not None]
            if not fixed:
                raise CampaignError([_problem(source, doc, tuple(e["loc"]), _describe(e))
                                     for e in exc.errors()]) from None
            for path, message in fixed:
                repairs.setdefault(path, []).append(message)
    else:
        raise refused
    problems = [_problem(source, doc, path, msg) for path, msg in reference_problems(campaign)]
    if problems:
        raise CampaignError(problems)
    fields = []
    for path, messages in repairs.items():
        mark, _ = doc.locate(path)
        fields.append(f"  {f'{mark.line}:{mark.column}: ' if mark else ''}{_path_text(path)}: {'; '.join(messages)}")
    log.warning("%s: the stored campaign holds what today's validation refuses; the game goes on with it read "
                "leniently (line:column in the stored campaign):\n%s", source, "\n".join(fields))
    return campaign


_REPAIR_PASSES = 8  # each pass repairs every error pydantic reports; a repair can uncover a deeper one


def _repair(data: dict, err: dict) -> tuple[tuple, str] | None:
    """Change the value an error points at into one today's schema takes, in place: (path, what was done)."""
    parent, path = None, ()
    node = data
    for part in err["loc"]:  # the deepest part of the error's path present in the data (skip union tags)
        if isinstance(node, (dict, list)) and (part in node if isinstance(node, dict)
                                               else isinstance(part, int) and 0 <= part < len(node)):
            parent, node, path = node, node[part], path + (part,)
    if parent is None:
        return None
    key, kind, ctx = path[-1], err["type"], err.get("ctx", {})
    if kind == "extra_forbidden" and isinstance(parent, dict):
        del parent[key]
        return path, "an unknown key, left out"
    new = node
    if kind.startswith("int_") and type(node) is not int:
        new = _as_int(node)
    elif kind == "greater_than_equal" and isinstance(node, int | float):
        new = ctx["ge"]
    elif kind == "less_than_equal" and isinstance(node, int | float):
        new = ctx["le"]
    elif kind == "string_too_long" and isinstance(node, str):
        new = node[: ctx["max_length"]]
    elif kind == DICE_ERROR:
        new = capped(node) or "0"  # dice that no cap makes rollable roll nothing rather than fail every turn
    if new is None or new == node and type(new) is type(node):
        return None
    parent[key] = new
    return path, f"{_describe(err)}; read as {new!r}"


def _as_int(value) -> int | None:
    """A number as an earlier, lax version read it: true as 1, "12" as 12, 12.0 as 12."""
    if isinstance(value, bool | int):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _template_problem(source: str, doc: YamlDocument, name: str, message: str, line: int | None) -> Problem:
    """A problem in a ``prompts:`` template, at its line in the campaign file where that is known."""
    path = ("prompts", name)
    mark, _ = doc.locate(path)
    if mark is None or line is None:
        return _problem(source, doc, path, message)
    # A block scalar (`|`) starts on the line after its indicator; a quoted or plain one on the same line.
    first = mark.line + 1 if path in doc.block_scalars else mark.line
    return Problem(source, first + line - 1, mark.column, _path_text(path), message)


def _names(campaign: Campaign) -> dict[str, str]:
    """Display names by id, as play's namer gives them, for rendering sample events."""
    names = {k: v.name for table in (campaign.characters, campaign.items, campaign.locations, campaign.skills)
             for k, v in table.items()}
    names.update({k: q.title for k, q in campaign.quests.items()})
    return names


def _dedupe(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def load_campaign(path: str | Path) -> Campaign:
    """Read and validate a campaign file. Raises :class:`CampaignError`."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CampaignError([Problem(str(path), None, None, "", f"cannot read the file: {exc.strerror or exc}")]) from None
    return parse_campaign(raw, str(path))


def shipped_campaigns() -> dict[str, Path]:
    """The campaigns installed with the package, by file stem."""
    root = resources.files("campaigns")
    return {Path(entry.name).stem: Path(str(entry)) for entry in root.iterdir()
            if entry.name.endswith((".yaml", ".yml"))}


def resolve_campaign(name_or_path: str) -> Path:
    """A path to a campaign file from a path or the name of a shipped campaign."""
    path = Path(name_or_path)
    if path.exists() or path.suffix in (".yaml", ".yml"):
        return path
    shipped = shipped_campaigns()
    if name_or_path in shipped:
        return shipped[name_or_path]
    raise CampaignError([Problem(name_or_path, None, None, "",
                                 f"no such file, and no shipped campaign of that name "
                                 f"(shipped: {', '.join(sorted(shipped))})")])


def json_schema() -> str:
    return json.dumps(Campaign.model_json_schema(), indent=2)
