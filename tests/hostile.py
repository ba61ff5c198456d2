"""Hostile inputs for the reliability suite (tests/test_reliability.py) and its long versions (bench/).

* :func:`campaign_mutants` makes malformed or hostile campaign files from the shipped ones:
  wrong types, missing references, huge dice, hostile templates, deep nesting, bad unicode,
  control characters, non-text YAML tags ... and a few accepted ones (markup and mentions in
  names, a harmless template override) that must still play to the end.
* :data:`HOSTILE_LINES` are player lines: markup, control bytes, injection attempts, huge input,
  unicode tricks, mentions and slash-command abuse, each with what it may change in the game.
* :func:`sql_state` and :func:`state_change` compare the database before and after a line.
"""

from __future__ import annotations

import copy
import random
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
import yaml

ROOT = Path(__file__).resolve().parent.parent
CAMPAIGNS = ROOT / "campaigns"

# Raw bytes no human-facing output may contain: C0 controls but tab/newline, DEL, C1, bidi overrides.
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# What Discord would render as a live mention or ping with: users, roles, channels, slash commands, mass pings.
LIVE_MENTION = re.compile(r"@everyone|@here|<@!?\d+>|<@&\d+>|<#\d+>|</[^<>\n]+:\d+>|<id:\w+>")


# --- hostile campaign files -------------------------------------------------------------------

@dataclass(frozen=True)
class Mutant:
    label: str
    raw: bytes
    accept: bool = False  # True: a valid campaign that must play to its end


def _dump(data: dict) -> bytes:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10_000).encode("utf-8")


def _leaves(node, path=()) -> Iterator[tuple]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _leaves(v, path + (i,))
    else:
        yield path


def _set(data: dict, path: tuple, value) -> dict:
    data = copy.deepcopy(data)
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return data


def _delete(data: dict, path: tuple) -> dict:
    data = copy.deepcopy(data)
    node = data
    for part in path[:-1]:
        node = node[part]
    del node[path[-1]]
    return data


WRONG_TYPES = [True, "twelve", [], {}, 3.5, None, 10**30, -1, "", {"nested": {"deep": [1, 2]}}]
HUGE_DICE = ["1000000d1000000", "1d1e1", "1d6/0", "101d6", "1d6+99999999", "2d2000", "1d6/(1d1-1)", "d", "1d20+",
             "(1d6e6)*999", "1d0"]
HOSTILE_TEMPLATES = {
    "range": "{% for a in range(100000) %}x{% endfor %}",
    "nested-loops": "{% for a in range(999) %}{% for b in range(999) %}{% for c in range(999) %}"
                    "{% endfor %}{% endfor %}{% endfor %}",
    "repeat": "{{ 'x' * 1000000000 }}",
    "power": "{{ 99 ** 99999 }}",
    "center": "{{ 'x'|center(999999999) }}",
    "format-width": "{{ '%999999999d' % 1 }}",
    "format-method": "{{ '{:>999999999}'.format(1) }}",
    "doubling": "{% set a = 'xxxxxxxxxx' %}" + "".join("{% set a = a ~ a %}" for _ in range(40)) + "{{ a }}",
    "recursion": "{% macro f(s) %}{{ f(s ~ s) }}{% endmacro %}{{ f('x') }}",
    "syntax": "hello\n{% for %}\n",
    "unclosed": "{% if text %}never closed",
    "undefined": "Player: {{ nosuch }}",
    "escape": "{{ text.__class__.__mro__[1].__subclasses__() }}",
    "mutate": "{{ options.append(1) }}{{ options }}",
    "namespace": "{% set ns = namespace(a=1) %}{{ ns.a }}",
    "include-self": "{% include 'choose.j2' %}",
    "divide": "{{ 1 / 0 }}",
}
CONTROL_NAMES = ["evil\x1b]52;c;aGVsbG8=\x07", "bell\x07", "nul\x00name", "\x1b[31mred", "c1\x9bcsi",
                 "rtl\u202eevil", "del\x7f"]


def campaign_mutants(count: int = 120, seed: int = 0) -> list[Mutant]:
    """At least ``count`` hostile variants of the shipped campaigns (deterministic for a seed)."""
    rng = random.Random(seed)
    out: list[Mutant] = []
    sources = {p.stem: p.read_text(encoding="utf-8") for p in sorted(CAMPAIGNS.glob("*.yaml"))}
    for stem, text in sources.items():
        data = yaml.safe_load(text)
        leaves = list(_leaves(data))
        damage = [p for p in leaves if p[-1] == "damage"]
        refs = [p for p in leaves if p[:2] == ("start", "location") or (len(p) > 2 and p[-2] in ("exits", "inventory"))
                or p[-1] in ("giver", "location", "at", "holds", "defeated", "recruited", "learned")]
        names = [p for p in leaves if p[-1] in ("name", "title")]
        required = [p for p in leaves if p[-1] in ("kind", "name", "appearance", "goal", "id", "text")]
        for i, value in enumerate(WRONG_TYPES):
            path = rng.choice(leaves)
            out.append(Mutant(f"{stem}: wrong type {value!r:.20} at {path}", _dump(_set(data, path, value))))
        for path in rng.sample(refs, min(8, len(refs))):
            out.append(Mutant(f"{stem}: missing reference at {path}", _dump(_set(data, path, "nowhere-at-all"))))
        for expr in HUGE_DICE:
            out.append(Mutant(f"{stem}: dice {expr}", _dump(_set(data, rng.choice(damage), expr))))
        for label, template in HOSTILE_TEMPLATES.items():
            which = "facts.j2" if label in ("undefined", "syntax") and stem.startswith("d") else "choose.j2"
            out.append(Mutant(f"{stem}: template {label}", _dump({**data, "prompts": {which: template}})))
        out.append(Mutant(f"{stem}: template for no such name", _dump({**data, "prompts": {"nosuch.j2": "hi"}})))
        for name in CONTROL_NAMES:
            out.append(Mutant(f"{stem}: control character in a name {name!r}",
                              _dump(_set(data, rng.choice(names), name))))
        for path in rng.sample(required, min(5, len(required))):
            out.append(Mutant(f"{stem}: missing {path}", _dump(_delete(data, path))))
        hp = next(p for p in leaves if p[-1] == "hp")
        for raw in ("true", "'12'", "12.0", "!!binary aGVsbG8=", "!!python/object:os.system [ls]", "2024-01-01",
                    "!!set {a, b}", "!foo 3", "0x1F", ".inf"):
            out.append(Mutant(f"{stem}: hp: {raw}", text.replace("hp: ", f"hp: {raw} #", 1).encode()))
        out.append(Mutant(f"{stem}: unknown key", _dump({**data, "dragons": {"here": True}})))
        out.append(Mutant(f"{stem}: duplicate key", text.replace("\ntitle:", "\ntitle: one\ntitle:", 1).encode()))
        out.append(Mutant(f"{stem}: deep nesting", (text + "\ndeep: " + "[" * 200 + "]" * 200 + "\n").encode()))
        bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8))
        out.append(Mutant(f"{stem}: alias bomb", (text + "\n" + bomb).encode()))
        out.append(Mutant(f"{stem}: invalid utf-8", text.encode()[:200] + b"\xff\xfe\xc3" + text.encode()[200:]))
        out.append(Mutant(f"{stem}: raw NUL byte", text.replace("title:", "title:\x00", 1).encode()))
        out.append(Mutant(f"{stem}: lone surrogate escape", text.replace("\ntitle:", '\nx: "\\ud800"\ntitle:', 1)
                          .encode()))
        out.append(Mutant(f"{stem}: escaped ESC in the title",
                          re.sub(r"\ntitle: .*", lambda m: '\ntitle: "Evil \\e]0;pwned\\a"', text, count=1).encode()))
        out.append(Mutant(f"{stem}: not a mapping", b"- just\n- a list\n"))
        out.append(Mutant(f"{stem}: empty", b""))
        out.append(Mutant(f"{stem}: tabs", text.replace("\n  ", "\n\t", 3).encode()))
        out.append(Mutant(f"{stem}: truncated", text.encode()[: len(text) // 3]))
        out.append(Mutant(f"{stem}: too big", text.encode() + b"#" + b"x" * (2 * 1024 * 1024)))
        out.append(Mutant(f"{stem}: huge hp", text.replace("hp: ", "hp: 99999999999999999999 #", 1).encode()))
        # Accepted: text that looks like markup, mentions or HTML is data, and a harmless override.
        marked = data
        for path in names:
            marked = _set(marked, path, f"{_get(data, path)} [/x] @everyone <b>")
        marked = _set(marked, ("summary",), "[/] <@123> [bold]unclosed <script>alert(1)</script>")
        out.append(Mutant(f"{stem}: markup and mentions in every name", _dump(marked), accept=True))
        facts = (ROOT / "prompts" / "facts.j2").read_text(encoding="utf-8").replace(
            "The story is complete. Well played.", "[/] The story is complete. [bold]@everyone")
        out.append(Mutant(f"{stem}: harmless facts.j2 override", _dump({**data, "prompts": {"facts.j2": facts}}),
                          accept=True))
    while len(out) < count:  # top up with more random wrong types
        stem, text = rng.choice(sorted(sources.items()))
        data = yaml.safe_load(text)
        path = rng.choice(list(_leaves(data)))
        value = rng.choice(WRONG_TYPES)
        out.append(Mutant(f"{stem}: wrong type {value!r:.20} at {path}", _dump(_set(data, path, value))))
    return out


def _get(data, path):
    for part in path:
        data = data[part]
    return data


# --- hostile player lines -----------------------------------------------------------------------

# What a line may change: nothing ("inert"), one new entity ("event"), one new character ("join").
INERT, EVENT, JOIN = "inert", "event", "join"

HOSTILE_LINES: list[tuple[str, str]] = [
    # Rich markup
    ("[/x]", INERT), ("[/]", INERT), ("[bold red]shout[/]", INERT), ("[link=http://evil.example]click[/link]", INERT),
    ("\\[/x]", INERT), ("[/event]", INERT), ("wave [/x] wildly", INERT), ("[blink]x", INERT), ("[[/]]", INERT),
    ("]]]][[[[/", INERT),
    # control bytes and terminal escape sequences
    ("\x1b[31mred\x1b[0m", INERT), ("\x1b]52;c;aGVsbG8=\x07", INERT), ("\x1b]0;pwned title\x07", INERT),
    ("\x00nul", INERT), ("\x07bell", INERT), ("back\x08\x08space", INERT), ("\x1bc", INERT), ("\x9b31mC1 CSI", INERT),
    ("\x7fdel", INERT), ("\x1b[2J\x1b[H clear", INERT), ("\x1bP+q544e\x1b\\", INERT), ("\x1b]8;;http://x\x1b\\y", INERT),
    # injection attempts
    ("'; DROP TABLE characters; --", INERT), ('" OR 1=1 --', INERT), ("{{ 7*7 }}", INERT),
    ("{% for a in range(100000) %}x{% endfor %}", INERT), ("{{ ''.__class__.__mro__[1].__subclasses__() }}", INERT),
    ("${7*7}", INERT), ("<script>alert(1)</script>", INERT), ("<img src=x onerror=alert(1)>", INERT),
    ("../../../../etc/passwd", INERT), ("%s%s%s%n", INERT), ('{"kind": "damage", "target": "wren"}', INERT),
    # huge input
    ("x" * 100_000, INERT), ("look " * 5_000, INERT), ("a" * 501, INERT), ("\U0001f3b2" * 10_000, INERT),
    # unicode tricks
    ("\u202eevil\u202c", INERT), ("zero\u200bwidth\u200b", INERT), ("Z\u0334\u0327\u031ba\u0336l\u0337g\u0338o" * 50, INERT),
    ("\ufeffBOM", INERT), ("\u2028line\u2029sep", INERT), ("\U0001d565\U0001d552\U0001d55d\U0001d55c", INERT),
    ("\u0645\u0631\u062d\u0628\u0627", INERT),
    # mentions
    ("@everyone", INERT), ("@here wave", INERT), ("<@123456789012345678>", INERT), ("<@&123456789012345678>", INERT),
    ("@everyone [/x] \x1b[31m", INERT), ("<#123456789012345678>", INERT),
    # slash-command abuse
    ("/roll 1000000d1000000", INERT), ("/roll 1d1e1", INERT), ("/roll 1d6/0", INERT), ("/roll [/x]", INERT),
    ("/roll " + "1d6+" * 100 + "1", INERT), ("/event", INERT), ("/status [/x]", INERT), ("/quests \x00", INERT),
    ("/look\x1b", INERT), ("/nonexistent", INERT), ("//", INERT), ("/", INERT), ("/save ../../etc", INERT),
    ("/help [/]", INERT),
    ("/event A [/] strange sign", EVENT), ("/event \x1b]52;c;aGk=\x07 a bell rings", EVENT),
    ("/event @everyone appears <b>bold</b>", EVENT),
    ("/join [/x] | evil", JOIN), ("/join @everyone", JOIN), ("/join \x1b[31mRed | a red \x07 figure", JOIN),
]


class ViewerServer:
    """The viewer in a real uvicorn server on a free port, in a thread."""

    def __init__(self, session, host: str = "127.0.0.1", token: str | None = None):
        import uvicorn

        from gm.web import create_app

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(create_app(session, token, host), host="127.0.0.1",
                                                    port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        while not self.server.started:
            time.sleep(0.05)
        self.base = f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def fuzz_lines(count: int, seed: int = 0) -> list[str]:
    """Random mixes of the inert hostile lines and of risky code points: none may change the game."""
    rng = random.Random(seed)
    inert = [line for line, kind in HOSTILE_LINES if kind == INERT and len(line) < 200]
    risky = [chr(c) for c in (*range(0, 32), 127, *range(0x80, 0xa0), 0x202e, 0x2066, 0x200b, 0xfeff)] + list("[]/\\@<>{}%$")
    lines = []
    for _ in range(count):
        parts = rng.sample(inert, rng.randint(1, 3)) + ["".join(rng.choices(risky, k=rng.randint(1, 12)))]
        rng.shuffle(parts)
        line = " ".join(parts)
        if line.lstrip().startswith(("/event", "/join")):
            line = "x " + line
        lines.append(line)
    return lines


# --- the database, before and after -------------------------------------------------------------

# Written by every turn, whatever the line: the turn counter, the turn log, the checkpoints.
_TURN_BOOKKEEPING = {"turn", "updated_at"}


def sql_state(url: str) -> dict[str, list[tuple]]:
    """Every row of every game-state table (not the turn log or checkpoints), as sorted tuples."""
    from gm.state.models import Base

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            state = {}
            for table in Base.metadata.sorted_tables:
                if table.name == "turns":
                    continue
                cols = [c for c in table.columns if c.name not in _TURN_BOOKKEEPING]
                rows = conn.execute(sa.select(*cols)).all()
                state[table.name] = sorted((tuple(repr(v) for v in row) for row in rows))
            return state
    finally:
        engine.dispose()


def state_change(before: dict, after: dict) -> dict[str, tuple[int, int]]:
    """Per table that changed: (rows removed, rows added)."""
    out = {}
    for table in before:
        old, new = set(before[table]), set(after[table])
        if old != new:
            out[table] = (len(old - new), len(new - old))
    return out


def allowed(kind: str, change: dict[str, tuple[int, int]], players: bool = False) -> bool:
    """Whether a line of ``kind`` may make ``change``."""
    if kind == INERT:
        return change == {}
    if kind == EVENT:
        return change in ({}, {"entities": (0, 1)})
    expected = {"characters": (0, 1), **({"players": (0, 1)} if players else {})}
    return change in ({}, expected)


# --- judging ---------------------------------------------------------------------------------------

def without_styles(screen: str) -> str:
    """A screen without Rich's own colour codes (SGR), the only escapes the terminal game may write."""
    return re.sub(r"\x1b\[[0-9;]*m", "", screen)


def terminal_screen(session) -> str:
    """The terminal game's status panel and help for ``session``, as a colour terminal receives them."""
    import io

    from rich.console import Console

    import gm.tui as tui

    buffer = io.StringIO()
    saved, tui.console = tui.console, Console(file=buffer, force_terminal=True, width=120)
    try:
        tui.console.print(tui.status_panel(session))
        tui.console.print(tui.tui_help(session))
    finally:
        tui.console = saved
    return buffer.getvalue()


@dataclass
class MutantVerdict:
    refused: bool
    located: bool  # every problem has file:line:column
    completed: bool  # accepted and played to the end of the walkthrough
    clean: bool  # no raw control byte in any message, narration or terminal screen
    problem: str
    validate_s: float
    turns: int


def judge_mutant(mutant: Mutant, folder: Path, index: int) -> MutantVerdict:
    """Validate a mutant; play it with the plain-command walkthrough if accepted. A crash propagates."""
    from gm.campaign.loader import CampaignError, parse_campaign
    from gm.game import Game
    from gm.safe_text import json_line
    from gm.session import PlaySession
    from playthrough import SHIPPED, play_to_end

    path = folder / f"m{index}.yaml"
    path.write_bytes(mutant.raw)
    started = time.monotonic()
    try:
        parse_campaign(mutant.raw, str(path))
    except CampaignError as exc:
        took = time.monotonic() - started
        located = all(p.line is not None and p.column is not None and str(p).startswith(f"{path}:{p.line}:{p.column}:")
                      for p in exc.problems)
        shown = "\n".join(str(p) for p in exc.problems)
        return MutantVerdict(True, located, False, not RAW_CONTROL.search(shown), shown, took, 0)
    took = time.monotonic() - started
    stem = next(s for s in SHIPPED if mutant.label.startswith(s))
    game = Game.create(path, folder / "saves", name=f"m{index}")
    results: list = []
    try:
        play_to_end(game, **SHIPPED[stem], on_turn=results.append)
    except AssertionError:  # the mutation made the walkthrough impossible: fine, if nothing crashed
        pass
    shown = "".join(json_line(r.trace()) for r in results) + without_styles(terminal_screen(PlaySession(game)))
    completed = game.world().status == "completed"
    game.close()
    return MutantVerdict(False, False, completed, not RAW_CONTROL.search(shown), "", took, len(results))


_joiners = iter(range(1000, 1_000_000))  # a new Discord user for each /join line


async def bot_line(bot, user, line: str):
    """Send one player line through the bot's handlers, as Discord calls them (/event, /join, /roll, else
    /act); ``bot`` is tests/test_bot.py's Bot. Returns the fake interaction holding what was sent."""
    from test_bot import FakeUser

    from bot.cogs import DirectorCog, PlayCog

    if line.startswith("/event "):
        return await bot.call(bot.director, DirectorCog.event, user, line[len("/event "):])
    if line.startswith("/join "):
        return await bot.call(bot.play, PlayCog.join, FakeUser(next(_joiners), line[:20]), line[len("/join "):])
    if line.startswith("/roll "):
        return await bot.call(bot.play, PlayCog.roll, user, line[len("/roll "):])
    return await bot.act(user, line)


def discord_problems(interaction, players) -> list[str]:
    """What is wrong with the last reply the bot sent: mentions allowed, a raw control byte or a live mention
    (of anyone but the game's own ``players``, which the bot names itself), or a turn that raised (the bot
    says "That turn failed" where the terminal would show a traceback)."""
    sent = interaction.sent[-1]
    mentions = sent["allowed_mentions"]
    embed = sent["embed"]
    parts = [embed.title or "", embed.description or ""] + [f.name + f.value for f in embed.fields]
    own = {f"<@{player}>" for player in players}
    problems = ["mentions allowed"] if mentions.everyone or mentions.users or mentions.roles else []
    problems += [f"raw control byte in {part[:60]!r}" for part in parts if RAW_CONTROL.search(part)]
    problems += [f"live mention in {part[:60]!r}" for part in parts if set(LIVE_MENTION.findall(part)) - own]
    if embed.title == "That turn failed":
        problems.append(f"the turn raised: {embed.description[:200]!r}")
    return problems


@dataclass
class LineVerdict:
    allowed: bool  # the database changed only as the line's kind allows
    clean: bool  # no raw control byte in the turn's JSON, its narration or the terminal screen
    change: dict
    shown: str


def judge_line(session, line: str, kind: str) -> LineVerdict:
    """Play one line on ``session`` (a PlaySession) and compare the database before and after."""
    from gm.game import TurnError
    from gm.safe_text import json_line

    url = session.game.store.engine.url.render_as_string(hide_password=False)
    before = sql_state(url)
    try:
        result = session.act(line)
        shown = json_line(result.trace())
        narration = result.narration
    except TurnError as exc:  # refused with a message: nothing may have changed
        shown, narration, kind = json_line(str(exc)), str(exc), INERT
    change = state_change(before, sql_state(url))
    screen = without_styles(terminal_screen(session))
    return LineVerdict(allowed(kind, change), not RAW_CONTROL.search(shown + screen), change, narration)
