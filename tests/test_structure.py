"""The data path runs one way: the packages' imports, read from the source."""

from __future__ import annotations

import ast
import re
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


def _architecture_rows() -> list[list[str]]:
    """The README's ``## Architecture`` table: its rows' cells."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Architecture\n", 1)[1].split("\n## ", 1)[0]
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in section.splitlines() if line.startswith("|")]
    return [row for row in rows[2:] if len(row) == 4]  # past the header and its rule


def test_the_architecture_table_matches_the_tree():
    """Every path the README's architecture table names exists, every module of gm/, worldgen/ and bot/ has
    its place in it (its own path or its package's folder), and every key type it names is defined."""
    rows = _architecture_rows()
    assert len(rows) > 10
    named: set[str] = set()
    for row in rows:
        where = row[3]
        # a path in a row names its folder's files in parentheses: "gm/campaign/ (conditions.py, ...)"
        for folder, inside in re.findall(r"`([\w/]+/)` \(([^)]*)\)", where):
            named |= {folder + name for name in re.findall(r"`([\w.]+\.py)`", inside)}
        named |= {p for p in re.findall(r"`([\w/.]+)`", where) if "/" in p}
    assert sorted(p for p in named if not (ROOT / p).exists()) == [], "the table names paths that do not exist"
    folders = tuple(p for p in named if p.endswith("/"))
    unplaced = [str(path.relative_to(ROOT)) for package in PACKAGES for path in sorted((ROOT / package).rglob("*"))
                if path.is_file() and "__pycache__" not in path.parts and path.name != "__init__.py"
                and "migrations" not in path.parts
                and str(path.relative_to(ROOT)) not in named and not str(path.relative_to(ROOT)).startswith(folders)]
    assert unplaced == [], "modules the architecture table does not place"
    defined = {node.name for tree in _modules().values() for node in ast.walk(tree)
               if isinstance(node, (ast.ClassDef, ast.FunctionDef))}
    defined |= {target.id for tree in _modules().values() for node in ast.walk(tree) if isinstance(node, ast.Assign)
                for target in node.targets if isinstance(target, ast.Name)}
    types = {name for row in rows for name in re.findall(r"`(\w+)`", row[2])}
    assert sorted(types - defined) == [], "the table names key types that are not defined"


ADAPTERS = ("gm.tui", "gm.web", "gm.session", "gm.runtime", "gm.cli", "gm.cli_app", "gm.cli_play", "gm.cli_campaign",
            "gm.cli_eval", "bot")


def test_adapters_reach_a_game_only_through_its_api():
    """The terminal, the viewer, the wiring and the bot use Game / PlaySession, never a game's store behind it
    (the bot used to reach into ``session.game.store`` for players, the owner, the pause and the log)."""
    reaching = {name: sorted({node.lineno for node in ast.walk(tree)
                              if isinstance(node, ast.Attribute) and node.attr == "store"})
                for name, tree in _modules().items() if name.startswith(ADAPTERS)}
    assert {k: v for k, v in reaching.items() if v} == {}
