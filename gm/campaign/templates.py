"""The Jinja2 templates of a campaign: shipped in ``prompts/``, overridable by its ``prompts:``.

A campaign file is untrusted, and so is every template it overrides. Templates run in an
immutable sandbox with a budget (a bounded ``range``, bounded loop steps and produced text,
a time limit), so a hostile or careless template fails quickly instead of hanging the game
or filling memory. :class:`Templates` renders a campaign's override and, when it fails or
overruns, warns and falls back to the shipped template for the rest of the session.
:func:`template_problems` is what ``campaign validate`` runs: it compiles every override and
renders it against sample events of every kind, so most failures never reach play.
"""

from __future__ import annotations

import functools
import logging
import re
import time
import traceback
import typing
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from importlib import resources
from typing import Any

from jinja2 import ChoiceLoader, DictLoader, FileSystemLoader, StrictUndefined, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from gm import events as ev
from gm.safe_text import plain

log = logging.getLogger(__name__)

# The budget of one render (or one macro call). Generous for narration and prompts, which are
# a few hundred characters from a few dozen steps; small enough that an overrun costs a blink.
MAX_STEPS = 50_000  # loop iterations, calls, filters and outputs
MAX_CHARS = 200_000  # characters produced along the way (output and intermediate strings)
MAX_OUTPUT = 20_000  # characters in the result
MAX_SECONDS = 0.5
MAX_RANGE = 1_000
MAX_INT_BITS = 1_024

# What each top-level template is rendered with (see gm/agent/voice.py); validation renders
# overrides with these samples. ``facts.j2`` is a set of macros, one per event kind.
SAMPLE_CONTEXT: dict[str, dict[str, Any]] = {
    "choose.j2": {"text": "I give the fish to the wolf", "options": ["talk to the wolf", "give the fish to the wolf"]},
    "flavor.j2": {"place": "The Green", "description": "a village green", "visual": "fog, thatched roofs",
                  "present": ["Tomas"], "happened": ["Wren talks to Tomas."]},
    "extract_entity.j2": {"text": "a giant red robot lands in the square"},
    "judge_check.j2": {"what": "stat", "words": "I climb the old oak", "place": "The Green",
                       "description": "a village green", "options": ["might: strength", "wits: perception"]},
    "choose_topic.j2": {"text": "where is the chapel", "options": ["the way to the chapel", "none of these"]},
    "talk.j2": {},  # macros only (gm/rules/conversation.py calls them)
    "chat.j2": {},  # macros only (gm/agent/voice.py calls them)
}
FACTS = "facts.j2"
# Characters that say "a format width": '%99999d', '{:>99999}'. Checked where a template formats.
_HUGE_FORMAT = re.compile(r"%[#0 +\-]*\d{5,}|%[#0 +\-]*\d*\.\d{5,}|\{[^{}]*:[^{}]*\d{5,}[^{}]*\}")


class TemplateBudgetError(RuntimeError):
    """A template went over its budget (steps, text, time or sizes)."""


@dataclass
class _Budget:
    deadline: float
    steps: int = 0
    chars: int = 0

    def tick(self, chars: int = 0) -> None:
        self.steps += 1
        self.chars += chars
        if self.steps > MAX_STEPS:
            raise TemplateBudgetError(f"more than {MAX_STEPS} steps")
        if self.chars > MAX_CHARS:
            raise TemplateBudgetError(f"produces more than {MAX_CHARS} characters")
        if time.monotonic() > self.deadline:
            raise TemplateBudgetError(f"runs longer than {MAX_SECONDS} s")


_BUDGET: ContextVar[_Budget | None] = ContextVar("template_budget", default=None)


def _tick(chars: int = 0) -> None:
    budget = _BUDGET.get()
    if budget is not None:  # outside a render (compile-time constant folding) there is nothing to count
        budget.tick(chars)


def _size(value: Any) -> int:
    return len(value) if isinstance(value, (str, bytes, list, tuple, dict)) else 0


def _check_value(value: Any) -> Any:
    """Refuse a value too big to keep (a string of a million characters, a thousand-digit number)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        raise TemplateBudgetError(f"a number with more than {MAX_INT_BITS} bits")
    if _size(value) > MAX_CHARS:
        raise TemplateBudgetError(f"a value of more than {MAX_CHARS} items")
    return value


def _check_arguments(args: tuple, kwargs: dict) -> None:
    """Refuse sizes and formats that would build something huge (``center(10**9)``, ``'%999999d'``)."""
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_CHARS:
            raise TemplateBudgetError(f"the argument {value} is larger than {MAX_CHARS}")
        if isinstance(value, str) and _HUGE_FORMAT.search(value):
            raise TemplateBudgetError("a format width larger than 9999")


def _budget_range(*args: int) -> Iterator[int]:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise TemplateBudgetError(f"range() of {len(numbers)} numbers; at most {MAX_RANGE}")
    return _budget_iter(numbers)


def _budget_iter(iterable: Any) -> Iterator[Any]:
    """Every ``{% for %}`` iterates through this: one step per item, so no loop outlives the budget."""
    for item in iterable:
        _tick()
        yield item


def _budget_text(value: Any) -> Any:
    """Every ``~`` concatenation and literal text block passes through this and is counted."""
    _tick(_size(value))
    return _check_value(value)


def _guard_filter(func: Callable) -> Callable:
    @functools.wraps(func)  # keeps jinja's pass_context/pass_environment markers
    def guarded(*args: Any, **kwargs: Any) -> Any:
        _check_arguments(args[1:], kwargs)  # args[0] is the value (or context/environment)
        result = func(*args, **kwargs)
        _tick(_size(result))
        return _check_value(result)

    return guarded


class _Instrument(NodeTransformer):
    """Route loops, concatenations and literal text through the budget functions."""

    @staticmethod
    def _call(name: str, node: nodes.Node) -> nodes.Call:
        return nodes.Call(nodes.Name(name, "load"), [node], [], None, None, lineno=node.lineno)

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = self._call("__budget_iter", node.iter)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return self._call("__budget_text", node)

    def visit_TemplateData(self, node: nodes.TemplateData) -> nodes.Node:
        return self._call("__budget_text", nodes.Const(node.data, lineno=node.lineno))


class BudgetedEnvironment(ImmutableSandboxedEnvironment):
    """An immutable Jinja2 sandbox in which every render is bounded in steps, text and time."""

    intercepted_binops = frozenset({"*", "**", "+", "%", "//", "/"})

    def __init__(self, overrides: dict[str, str] | None = None):
        shipped = str(resources.files("prompts"))
        super().__init__(loader=ChoiceLoader([DictLoader(dict(overrides or {})), FileSystemLoader(shipped)]),
                         undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True,
                         finalize=self._finalize, auto_reload=False)
        for name in ("lipsum", "namespace"):  # text from nothing; a mutable object that escapes the sandbox
            self.globals.pop(name, None)
        self.globals.update(range=_budget_range, __budget_iter=_budget_iter, __budget_text=_budget_text)
        self.filters = {name: _guard_filter(f) for name, f in self.filters.items()}

    @staticmethod
    def _finalize(value: Any) -> Any:
        _tick(_size(value) if isinstance(value, str) else 0)
        return value

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        return _Instrument().visit(super()._parse(source, name, filename))

    def call(__self, __context, __obj, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (jinja's signature)
        _tick()
        _check_arguments(args, kwargs)
        result = super().call(__context, __obj, *args, **kwargs)
        _tick(_size(result) if isinstance(result, str) else 0)
        return _check_value(result)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:  # str.format and format_map
        if isinstance(getattr(value, "__self__", None), str):
            _check_arguments((value.__self__,), {})
        return super().wrap_str_format(value)

    def getattr(self, obj: Any, attribute: str) -> Any:
        _tick()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        _tick()
        return super().getitem(obj, argument)

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
        _tick()
        if operator == "**" and isinstance(right, (int, float)) and abs(right) > 64:
            raise TemplateBudgetError("an exponent larger than 64")
        if operator == "*" and max(_size(left) * (right if isinstance(right, int) else 1),
                                   _size(right) * (left if isinstance(left, int) else 1)) > MAX_CHARS:
            raise TemplateBudgetError(f"a repetition of more than {MAX_CHARS} items")
        if operator == "%" and isinstance(left, str):
            _check_arguments((left, *(right if isinstance(right, tuple) else (right,))), {})
        result = super().call_binop(context, operator, left, right)
        _tick(_size(result))
        return _check_value(result)


def _run(render: Callable[[], Any], timed: bool = True) -> Any:
    """Run ``render`` under a fresh budget (``timed=False``: without the time limit, for the shipped
    templates, which are trusted and must not fail because the machine is busy)."""
    token = _BUDGET.set(_Budget(time.monotonic() + MAX_SECONDS if timed else float("inf")))
    try:
        result = render()
    finally:
        _BUDGET.reset(token)
    if isinstance(result, str) and len(result) > MAX_OUTPUT:
        raise TemplateBudgetError(f"its output is {len(result)} characters; at most {MAX_OUTPUT}")
    return result


@functools.cache
def shipped_names() -> tuple[str, ...]:
    return tuple(sorted(e.name for e in resources.files("prompts").iterdir() if e.name.endswith(".j2")))


@functools.cache
def _shipped() -> BudgetedEnvironment:
    return BudgetedEnvironment()


class Templates:
    """The templates one campaign renders with: its overrides, or the shipped ones when those fail."""

    def __init__(self, prompts: dict[str, str] | None = None, label: str = "the campaign"):
        self.overrides = dict(prompts or {})
        self.label = label
        self._env = BudgetedEnvironment(self.overrides) if self.overrides else _shipped()
        self._failed: set[str] = set()
        self._modules: dict[tuple[str, bool], Any] = {}

    def render(self, name: str, **context: Any) -> str:
        return self._with_fallback(name, lambda env: env.get_template(name).render(**context))

    def macro(self, name: str, macro: str, *args: Any) -> str | None:
        """Call ``macro`` of template ``name`` (None when it has no such macro)."""

        def call(env: BudgetedEnvironment) -> str | None:
            key = (name, env is self._env)
            if key not in self._modules:
                self._modules[key] = _run(lambda: env.get_template(name).module, timed=env is not _shipped())
            func = getattr(self._modules[key], macro, None)
            return None if func is None else str(func(*args))

        return self._with_fallback(name, call, macros=True)

    def _with_fallback(self, name: str, render: Callable[[BudgetedEnvironment], Any], macros: bool = False) -> Any:
        if name in self.overrides and name not in self._failed:
            try:
                self._env.get_template(name)  # compile outside the time limit: compiling is bounded by the size
                return _run(lambda: render(self._env))
            except Exception as exc:  # an untrusted template may fail in any way; never a turn's traceback
                self._failed.add(name)
                compiled = None
                if macros and not isinstance(exc, TemplateSyntaxError):  # map a macro's line back to the template
                    compiled = self._env.get_template(name)
                log.warning("%s's template %s failed (%s); using the shipped %s from now on",
                            self.label, name, plain(describe(exc, name, compiled)), name)
        return _run(lambda: render(_shipped()), timed=False)


class Macros:
    """The macros of one template called by name, as text: ``Macros(templates, "talk.j2").greets(...)``."""

    def __init__(self, templates: Templates, name: str):
        self._templates, self._name = templates, name

    def __getattr__(self, macro: str) -> Callable[..., str]:
        return lambda *args: (self._templates.macro(self._name, macro, *args) or "").strip()


# --- validation -------------------------------------------------------------------------------

def describe(exc: BaseException, name: str, template: Any = None) -> str:
    """A one-line account of a template failure, with the template line where one is known."""
    line = template_line(exc, name, template)
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    if isinstance(exc, RecursionError):
        message = "calls itself without end"
    elif isinstance(exc, TemplateBudgetError):
        message = f"over its budget: {message}"
    return f"line {line}: {message}" if line else message


def template_line(exc: BaseException, name: str, template: Any = None) -> int | None:
    """The template line an error happened on.

    Jinja rewrites the traceback of ``render`` to template lines; a macro called from Python
    keeps the compiled code's lines, which ``template`` (the compiled template) maps back.
    """
    if isinstance(exc, TemplateSyntaxError):
        return exc.lineno
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename in (name, "<template>")]
    if not frames or frames[-1].lineno is None:
        return None
    return template.get_corresponding_lineno(frames[-1].lineno) if template is not None else frames[-1].lineno


def _sample_value(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if annotation is bool:
        return False
    if annotation is int:
        return 3
    if origin is list:
        return ["sample-a", "sample-b"]
    if origin is dict:
        return {"might": 1}
    if origin is typing.Literal:
        return typing.get_args(annotation)[0]
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return _sample_value(next(a for a in typing.get_args(annotation) if a is not type(None)))
    return "sample"


def sample_events() -> Iterator[ev.Event]:
    """One event of every kind, and one more for every value of its literal and true/false fields."""
    for cls in typing.get_args(typing.get_args(ev.Event)[0]):
        base = {name: _sample_value(f.annotation) for name, f in cls.model_fields.items() if name != "kind"}
        yield cls(**base)
        for name, f in cls.model_fields.items():
            if name == "kind":
                continue
            choices = typing.get_args(f.annotation) if typing.get_origin(f.annotation) is typing.Literal else (
                (True,) if f.annotation is bool else ())
            for value in choices:
                if value != base[name]:
                    yield cls(**{**base, name: value})


class SampleNamer:
    """The ``n`` that facts macros get during validation, with the interface of play's
    :class:`gm.agent.narrate.SceneNamer` (a test keeps the two alike): ``n(id)`` a display name,
    ``n.place(location)``, ``n.hurt(id, hp)`` and ``n.person(id)`` sample answers."""

    def __init__(self, names: dict[str, str] | None = None):
        self._names = names or {}

    def __call__(self, key: str) -> str:
        return self._names.get(key, key)

    def place(self, location: str) -> str:
        return f"{self(location)}: a sample place. Ways on: north."

    def hurt(self, key: str, hp: int) -> str:
        return "is hurt"

    def person(self, key: str) -> bool:
        return True


def template_problems(prompts: dict[str, str],
                      names: dict[str, str] | None = None) -> Iterator[tuple[str, str, int | None]]:
    """Every problem in a campaign's ``prompts:``, as ``(template name, message, template line)``.

    ``names`` are the campaign's display names by id, for the sample events' ``n(id)``.
    """
    namer = SampleNamer(names)
    shipped = shipped_names()
    env = BudgetedEnvironment(prompts)
    for name, source in prompts.items():
        if name not in shipped:
            yield name, f"there is no template {name!r} to override (templates: {', '.join(shipped)})", None
            continue
        try:
            tree = env.parse(source, name)
        except TemplateSyntaxError as exc:
            yield name, f"template syntax error: {exc.message}", exc.lineno
            continue
        given = set(SAMPLE_CONTEXT.get(name, {}))
        unknown = sorted(meta.find_undeclared_variables(tree) - given - set(env.globals))
        if unknown:
            where = next((n.lineno for n in tree.find_all(nodes.Name) if n.name == unknown[0]), None)
            told = f"it is given {', '.join(sorted(given))}" if given else "its macros get only their arguments"
            yield name, f"undefined name {unknown[0]!r} ({told})", where
            continue
        failure = _render_samples(env, name, namer)
        if failure is not None:
            yield name, *failure


def _render_samples(env: BudgetedEnvironment, name: str, namer: SampleNamer) -> tuple[str, int | None] | None:
    if name != FACTS:
        try:
            template = env.get_template(name)  # compiled outside the time limit
            _run(lambda: template.render(**SAMPLE_CONTEXT[name]))
        except Exception as exc:
            return f"fails on sample input: {describe(exc, name)}", template_line(exc, name)
        return None
    template = env.get_template(name)
    try:
        module = _run(lambda: template.module)
    except Exception as exc:
        return f"fails: {describe(exc, name)}", template_line(exc, name)
    for event in sample_events():
        func = getattr(module, event.kind, None)
        if func is None:
            continue
        args = (event, namer, "the sample goal") if isinstance(event, ev.QuestStage) else (event, namer)
        try:
            _run(lambda: str(func(*args)))
        except Exception as exc:
            return (f"macro {event.kind!r} fails on a sample {event.kind} event: {describe(exc, name, template)}",
                    template_line(exc, name, template))
    return None
