"""Safe YAML reading that remembers where every value came from.

Campaign files come from users, so reading one must never crash or hang:
the size, nesting depth and alias expansion of a document are bounded
before anything is built, and every value keeps its line and column so that
errors can point at the exact place in the file.
"""

from __future__ import annotations

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
    def __init__(self) -> None:
        self.constructor = _Loader("")  # only its scalar constructors are used
        self.marks: dict[Path, Mark] = {}

    def build(self, node: yaml.Node, path: Path) -> Any:
        self.marks.setdefault(path, _mark(node.start_mark))  # type: ignore[arg-type]
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, path + (i,)) for i, child in enumerate(node.value)]
        try:
            return self.constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            raise YamlSourceError(f"bad value {node.value!r}: {exc}", _mark(node.start_mark)) from None

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


def read_yaml(raw: bytes) -> YamlDocument:
    """Parse one YAML document from bytes, bounded and located. Raises YamlSourceError."""
    if len(raw) > MAX_BYTES:
        raise YamlSourceError(f"the file is {len(raw)} bytes; campaign files are limited to {MAX_BYTES} bytes")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise YamlSourceError(f"not UTF-8 text (byte 0x{raw[exc.start]:02x})", Mark(line, column)) from None
    if not text.strip():
        raise YamlSourceError("the file is empty")
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
    except yaml.YAMLError as exc:
        raise YamlSourceError(f"not valid YAML: {exc}") from None
    except RecursionError:  # pragma: no cover - _check_shape bounds depth first
        raise YamlSourceError("the document is nested too deeply") from None
    if root is None:
        raise YamlSourceError("the file holds no YAML document")
    builder = _Builder()
    data = builder.build(root, ())
    return YamlDocument(data, builder.marks)
