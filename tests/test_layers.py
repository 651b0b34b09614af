"""The tree reads as the architecture: every import inside server/ points down a layer or
stays in its own package, and no two modules import each other (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SERVER = Path(__file__).resolve().parent.parent / "server"
# Deeper layers first; a module may import its own package and anything deeper.
LAYERS = [
    {"config", "rules", "suggest"},
    {"screens", "store", "packs"},
    {"outcome"},
    {"live"},
    {"web"},
    {"cli"},
    {"__main__"},
]
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}
MAX_LINES = 350
# The lexicon is data (word lists), not code.
LONG_ALLOWED = {"suggest/lexicon.py"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SERVER.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """The server modules a file imports (relative imports resolved)."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            else:
                target = node.module or ""
            if target.startswith("server"):
                names = [f"{target}.{a.name}" for a in node.names]
                found |= {n for n in names if module_file(n)} or {target}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("server")}
    return found


def module_file(name: str) -> Path | None:
    path = SERVER.parent.joinpath(*name.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


FILES = sorted(SERVER.rglob("*.py"))


def layer_of(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(SERVER)))
def test_every_import_points_down_or_stays_in_its_package(path: Path) -> None:
    """rules, suggest and config import nothing above them; the store imports no
    rendering; the web door is the only one that knows the live path and the store both."""
    own = layer_of(module_name(path))
    for target in imports_of(path):
        other = layer_of(target)
        if other in ("", own):
            continue
        assert RANK[other] < RANK[own], f"{module_name(path)} imports {target} (upwards)"


def test_the_hub_imports_nothing_of_the_session() -> None:
    """The hub only carries frames: it knows no session, no rules and no screens."""
    for path in (SERVER / "live" / "hub").rglob("*.py"):
        for target in imports_of(path):
            assert target.startswith("server.live.hub"), f"{path.name} imports {target}"


def test_no_two_modules_import_each_other() -> None:
    """No import cycle: a module never (even indirectly) imports its importer."""
    graph = {module_name(p): {t for t in imports_of(p) if module_file(t)} for p in FILES}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in graph.get(start, ()):
            if nxt == goal:
                return True
            if nxt not in seen:
                seen.add(nxt)
                if reaches(nxt, goal, seen):
                    return True
        return False

    for name, targets in graph.items():
        for target in targets:
            if target == name or target.startswith(name + "."):
                continue  # a package's __init__ re-exporting its own modules
            assert not reaches(target, name, set()), f"{name} and {target} import each other"


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(SERVER)))
def test_no_module_is_longer_than_one_idea_needs(path: Path) -> None:
    """About 350 lines at most: a longer module holds a noun that wants its own room."""
    if str(path.relative_to(SERVER)) in LONG_ALLOWED:
        return
    assert len(path.read_text().splitlines()) <= MAX_LINES
