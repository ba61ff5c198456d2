"""Safe YAML reading that remembers where every value came from.

Campaign files come from users, so reading one must never crash or hang:
the size, nesting depth and alias expansion of a document are bounded
before anything is built, and every value keeps its line and column so that
errors can point at the exact place in the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

try:  # libyaml is much faster on big files; fall back to the pure-Python parser
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 48
MAX_NODES = 200_000

Path = tuple[Any, ...]

# Campaign files hold text, numbers, booleans, lists and mappings: nothing else gets built from them.
_CORE = "tag:yaml.org,2002:"
SCALAR_TAGS = {_CORE + t for t in ("str", "int", "float", "bool", "null")}
COLLECTION_TAGS = {_CORE + "seq", _CORE + "map"}
# Control characters (C0 but tab and newlines, DEL, C1) and the bidirectional overrides that reorder
# what a reader sees: a name or a line from a campaign reaches terminals, Discord and web pages.
UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Mark:
    line: int  # 1-based
    column: int  # 1-based


class YamlSourceError(Exception):
    def __init__(self, message: str, mark: Mark | None = None):
        super().__init__(message)
        self.message = message
        self.mark = mark


@dataclass
class YamlDocument:
    """Plain Python data plus the position of every mapping key and value."""

    data: Any
    marks: dict[Path, Mark] = field(default_factory=dict)
    block_scalars: set[Path] = field(default_factory=set)  # `|` and `>` values: their text starts a line below
    repairs: list[tuple[Path, str]] = field(default_factory=list)  # lenient reading: what was read otherwise

    def locate(self, path: Path) -> tuple[Mark | None, Path]:
        """The mark of the deepest part of ``path`` present in the file, and that part.

        Validation error paths can contain segments that are not in the file
        (a missing field, a union tag); those are skipped.
        """
        node, real = self.data, ()
        for part in path:
            if isinstance(node, dict) and part in node:
                node, real = node[part], real + (part,)
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                node, real = node[part], real + (part,)
        return self.marks.get(real), real


def _mark(m: yaml.Mark | None) -> Mark | None:
    return Mark(m.line + 1, m.column + 1) if m is not None else None


def _check_shape(text: str) -> None:
    """Walk the event stream (no recursion, no alias expansion) and bound depth and size."""
    sizes: dict[str, int] = {}
    stack: list[list[Any]] = [[0, None]]  # [expanded size so far, anchor]
    total = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            stack.append([1, event.anchor])
            if len(stack) > MAX_DEPTH:
                raise YamlSourceError(f"the document is nested more than {MAX_DEPTH} levels deep",
                                      _mark(event.start_mark))
            continue
        if isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            size, anchor = stack.pop()
        elif isinstance(event, yaml.ScalarEvent):
            size, anchor = 1, event.anchor
        elif isinstance(event, yaml.AliasEvent):
            if event.anchor not in sizes:
                raise YamlSourceError(f"unknown alias *{event.anchor}", _mark(event.start_mark))
            size, anchor = sizes[event.anchor], None
        else:
            continue
        if anchor:
            sizes[anchor] = size
        stack[-1][0] += size
        total += size
        if total > MAX_NODES or stack[-1][0] > MAX_NODES:
            raise YamlSourceError(
                f"the document expands to more than {MAX_NODES} values (too large, or an alias bomb)",
                _mark(event.start_mark))


class _Builder:
    def __init__(self, lenient: bool = False) -> None:
        self.constructor = _Loader("")  # only its scalar constructors are used
        self.marks: dict[Path, Mark] = {}
        self.block_scalars: set[Path] = set()
        self.lenient = lenient
        self.repairs: list[tuple[Path, str]] = []

    def build(self, node: yaml.Node, path: Path) -> Any:
        self.marks.setdefault(path, _mark(node.start_mark))  # type: ignore[arg-type]
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            if node.tag not in COLLECTION_TAGS:
                if not self.lenient:
                    raise YamlSourceError(f"a {_tag_name(node.tag)} is not allowed here: use a plain list or "
                                          "mapping", _mark(node.start_mark))
                self.repairs.append((path, f"a {_tag_name(node.tag)}, read as a plain list or mapping"))
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            return [self.build(child, path + (i,)) for i, child in enumerate(node.value)]
        if node.style in ("|", ">"):
            self.block_scalars.add(path)
        if node.tag not in SCALAR_TAGS:
            if not self.lenient:
                hint = " (put it in quotes to use it as text)" if node.tag == _CORE + "timestamp" else ""
                raise YamlSourceError(f"{node.value[:40]!r} is read as a {_tag_name(node.tag)}; campaign files "
                                      f"hold text, numbers, true/false and null{hint}", _mark(node.start_mark))
            value = self._as_text(node)
            self.repairs.append((path, f"a {_tag_name(node.tag)}, read as the text {value[:40]!r}"))
        else:
            try:
                value = self.constructor.construct_object(node, deep=True)
            except (yaml.YAMLError, ValueError, OverflowError) as exc:
                raise YamlSourceError(f"bad value {node.value[:40]!r}: {exc}", _mark(node.start_mark)) from None
        if isinstance(value, str) and (bad := UNPRINTABLE.search(value)):
            if not self.lenient:
                raise YamlSourceError(f"the text holds the control character U+{ord(bad.group()):04X}; campaign "
                                      "text must be printable", _mark(node.start_mark))
            value = UNPRINTABLE.sub("", value)
            self.repairs.append((path, "control characters, left out of the text"))
        return value

    def _as_text(self, node: yaml.ScalarNode) -> str:
        """A tagged scalar as the text an earlier version read it as: !!binary decoded, a date in ISO form."""
        try:
            value = self.constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError):
            return node.value
        if isinstance(value, bytes):
            return value.decode("utf-8", errors="replace")
        return value.isoformat() if hasattr(value, "isoformat") else str(value)

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlSourceError("a mapping key must be a plain value, not a list or mapping",
                                      _mark(key_node.start_mark))
            key = self.build(key_node, path + ("<key>",))
            if not isinstance(key, (str, int, bool, float)) and key is not None:
                key = str(key)
            if key in out:
                raise YamlSourceError(f"duplicate key {key!r}", _mark(key_node.start_mark))
            self.marks[path + (key,)] = _mark(key_node.start_mark)  # type: ignore[assignment]
            out[key] = self.build(value_node, path + (key,))
        return out


def _tag_name(tag: str | None) -> str:
    return f"!!{tag[len(_CORE):]} value" if tag and tag.startswith(_CORE) else f"{tag} value"


def read_yaml(raw: bytes, *, lenient: bool = False) -> YamlDocument:
    """Parse one YAML document from bytes, bounded and located. Raises YamlSourceError.

    ``lenient`` reads what a campaign file may no longer hold, the way earlier versions did (a tagged
    value as text, control characters left out), each noted in ``repairs``: for a save's stored copy.
    """
    if len(raw) > MAX_BYTES:
        raise YamlSourceError(f"the file is {len(raw)} bytes; campaign files are limited to {MAX_BYTES} bytes",
                              Mark(1, 1))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise YamlSourceError(f"not UTF-8 text (byte 0x{raw[exc.start]:02x})", Mark(line, column)) from None
    if not text.strip():
        raise YamlSourceError("the file is empty", Mark(1, 1))
    try:
        _check_shape(text)
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        problem = exc.problem or str(exc)
        raise YamlSourceError(f"not valid YAML: {problem}", _mark(exc.problem_mark)) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (NUL, ESC ...), at a position
        before = text[: exc.position]
        mark = Mark(before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1)
        raise YamlSourceError("not valid YAML: a control character that YAML does not allow "
                              "(campaign text must be printable)", mark) from None
    except yaml.YAMLError as exc:
        raise YamlSourceError(f"not valid YAML: {exc}") from None
    except RecursionError:  # pragma: no cover - _check_shape bounds depth first
        raise YamlSourceError("the document is nested too deeply") from None
    if root is None:
        raise YamlSourceError("the file holds no YAML document", Mark(1, 1))
    builder = _Builder(lenient)
    data = builder.build(root, ())
    return YamlDocument(data, builder.marks, builder.block_scalars, builder.repairs)
