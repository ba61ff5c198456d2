"""Player- and author-supplied text made safe for the place it is shown.

Names, narration, player lines and campaign text are data, never instructions to whatever
displays them: a terminal obeys escape sequences (colours, titles, OSC 52 writes the
clipboard), Rich reads ``[bold]`` as markup (and ``[/x]`` kills the print), Discord pings
``@everyone``, a web page runs what looks like HTML. Every human-facing output goes
through one of these functions; the data itself (the database, events) keeps what was said.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from typing import Any

from rich.console import Console
from rich.markup import escape as _escape_markup

# Terminal escape sequences whole (so no ']52;c;...' residue is left behind): CSI, OSC (ended by
# BEL or ST), DCS/SOS/PM/APC strings, and two-character escapes; then any control character
# left (C0 but tab and newline, DEL, C1) and the bidirectional overrides that reorder what a
# reader sees (U+202A-E, U+2066-9).
_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"
    r"|\x1b[ -~]?"
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|\x9d[^\x07\x1b\x9c]*(?:\x07|\x9c)?"
)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Characters a JSON line keeps but escapes, so a terminal showing the raw line never sees them.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
# What Discord renders live: @everyone and @here, users <@123> <@!123>, roles <@&123>, channels <#123>,
# slash commands </name:123> and guild pages <id:browse>. A zero-width space after the '@' or '<'
# leaves the text as it reads and makes it inert.
_MENTION = re.compile(r"@(?=everyone\b|here\b)|<(?=@[!&]?\d+>|#\d+>|/[^<>\n]{1,100}:\d+>|id:\w+>)")
_USER_MENTION = re.compile(r"<@!?(\d+)>")


def plain(text: Any) -> str:
    """The text without escape sequences or control characters (newlines and tabs stay)."""
    text = str(text)
    if not (_CONTROL.search(text)):
        return text
    return _CONTROL.sub("", _SEQUENCE.sub("", text))


def for_terminal(text: Any) -> str:
    """Text to embed in a Rich markup string: no control characters, no live ``[tags]``."""
    return _escape_markup(plain(text))


class TerminalConsole(Console):
    """A Rich console that strips control characters from every string it prints.

    Markup in the strings is still read as markup: text from players and campaigns that goes
    into a markup string (a panel title, an f-string with ``[bold]``) needs :func:`for_terminal`.
    """

    def print(self, *objects: Any, **kwargs: Any) -> None:
        super().print(*(plain(o) if isinstance(o, str) else o for o in objects), **kwargs)


def for_discord(text: Any, players: Collection[str] = ()) -> str:
    """Text for a Discord message: no control characters, no working mention of anyone or anything.

    ``players`` are the user ids the bot itself mentions in this message (``<@id>`` of its players, shown
    as their names; replies are sent with ``AllowedMentions.none()``, so even those never ping). Any
    other mention-like text, such as a character named ``<@123>``, ``@everyone`` or ``<#1>``, is
    shown as typed and stays inert.
    """
    text = plain(text)
    kept = {m.start() for m in _USER_MENTION.finditer(text) if m.group(1) in players}
    return _MENTION.sub(lambda m: m.group() if m.start() in kept else m.group() + "\u200b", text)


def for_web(data: Any) -> Any:
    """JSON-bound data for the web viewer with every string made :func:`plain`.

    The page inserts strings with its ``esc`` (HTML-escaping), so they stay text there too.
    """
    if isinstance(data, str):
        return plain(data)
    if isinstance(data, dict):
        return {for_web(k): for_web(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [for_web(v) for v in data]
    return data


def json_line(obj: Any) -> str:
    """One JSON Lines record that keeps every string exactly and has no raw control bytes.

    ``json.dumps`` escapes C0 characters itself; DEL, C1 and the bidi overrides it writes raw
    (with ``ensure_ascii=False``) are escaped here, which is still the same JSON.
    """
    text = json.dumps(obj, ensure_ascii=False)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
