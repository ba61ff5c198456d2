"""The data path runs one way: the packages' imports, read from the source."""

from __future__ import annotations

import ast
import graphlib

from conftest import ROOT

PACKAGES = ("gm", "worldgen", "bot")


def _modules() -> dict[str, ast.Module]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            found[name] = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return found


def _imported(nodes) -> set[str]:
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
    return names


def test_worldgen_takes_plans_and_nothing_else_from_the_game():
    """worldgen renders SegmentPlans; the game compiles them (gm.plan). Nothing in worldgen reaches back up."""
    reaching_back = {name: sorted(m for m in _imported(ast.walk(tree)) if m.split(".")[0] in ("gm", "bot"))
                     for name, tree in _modules().items() if name.startswith("worldgen")}
    assert {k: v for k, v in reaching_back.items() if v} == {}


def test_no_module_imports_itself_in_a_circle():
    """Module-level imports form no cycle (gm.cli and the command modules used to import each other)."""
    modules = _modules()
    graph = {name: {m for m in _imported(tree.body) if m in modules and m != name and not name.startswith(m + ".")}
             for name, tree in modules.items()}
    graphlib.TopologicalSorter(graph).prepare()  # raises CycleError naming the circle
