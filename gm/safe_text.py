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
# Discord mentions: @everyone, @here, <@123>, <@!123>, <@&123> (roles); the mass pings alone.
_MENTION = re.compile(r"@(?=everyone\b|here\b|[!&]?\d)")
_MASS_MENTION = re.compile(r"@(?=everyone\b|here\b|&\d)")


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


def for_discord(text: Any) -> str:
    """A player's or author's text for a Discord message: no control characters, no working mentions."""
    return _MENTION.sub("@\u200b", plain(text))


def for_discord_reply(text: Any) -> str:
    """A whole bot reply: no control characters, no mass mentions (@everyone, @here, roles).

    The bot's own ``<@user>`` mentions of its players stay; they cannot ping anyone (embeds never
    do, and replies are sent with ``AllowedMentions.none()``). Player text inside a reply is made
    safe with :func:`for_discord` where the reply is composed.
    """
    return _MASS_MENTION.sub("@\u200b", plain(text))


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
