"""The code keeps the shape docs/architecture.md draws: layers that import only downwards, and lint clean."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "custview"

# Lower layers never import higher ones (importers and exporters sit side by side).
LAYERS = {"foundation": 0, "db": 1, "insight": 2, "importers": 3, "exporters": 3, "cli": 4}


def layer_of(module: str) -> str:
    """The layer of a custview module name: its sub-package, or the shared foundation."""
    parts = module.split(".")
    if parts[1:] == ["__main__"]:  # `python -m custview` starts the command line
        return "cli"
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else "foundation"


def module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(relative.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def custview_imports(path: Path) -> set[str]:
    """Every custview module a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("custview"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("custview"))
    return found


def test_no_module_imports_from_a_higher_layer():
    upward = []
    for path in PACKAGE.rglob("*.py"):
        here = module_name(path)
        for imported in custview_imports(path):
            if LAYERS[layer_of(imported)] > LAYERS[layer_of(here)]:
                upward.append(f"{here} imports {imported}")
    assert upward == []


def runtime_imports(path: Path) -> set[str]:
    """The custview modules a file imports when it runs (at the top or in a function; not for type checking only)."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("custview"):
            found.update(f"{node.module}.{alias.name}" for alias in node.names)  # a module, if it names one
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("custview"))
    return found


# Modules that need each other, and why the loop is harmless: each known one is written down here.
KNOWN_LOOPS = {
    frozenset({"custview.db.connection", "custview.db.schema"}):
        "opening a book to read prepares (upgrades) the file first, from inside connect_for_reading",
}


def test_no_import_cycle():
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    needs = {name: {m for m in runtime_imports(path) if m in modules and m != name} for name, path in modules.items()}

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            current = todo.pop()
            if current == goal:
                return True
            if current not in seen:
                seen.add(current)
                todo.extend(needs[current])
        return False

    loops = {frozenset({a, b}) for a in modules for b in needs[a] if reaches(b, a)}
    assert loops <= set(KNOWN_LOOPS), sorted(sorted(loop) for loop in loops - set(KNOWN_LOOPS))


def test_nothing_below_the_command_line_draws_or_prints():
    drawing = []
    for path in PACKAGE.rglob("*.py"):
        if layer_of(module_name(path)) == "cli":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            called = getattr(node, "func", None)
            if isinstance(node, ast.Call) and isinstance(called, ast.Name) and called.id == "print":
                drawing.append(f"{module_name(path)}:{node.lineno} calls print")
        if any(imported.startswith("rich") for imported in _top_level_imports(path)):
            drawing.append(f"{module_name(path)} imports rich")
    assert drawing == []


def _top_level_imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_ruff_finds_nothing():
    ruff = Path(sys.executable).parent / "ruff"
    command = [str(ruff)] if ruff.exists() else [shutil.which("ruff") or "ruff"]
    root = PACKAGE.parents[1]
    result = subprocess.run([*command, "check", "src", "tests", "benchmarks"], cwd=root, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


LINES_AT_MOST = 420  # "no module over ~400 lines": split along a seam before a module grows past it


def test_no_module_is_longer_than_about_400_lines():
    root = PACKAGE.parents[1]
    long = [f"{path.relative_to(root)}: {lines} lines" for path in [*PACKAGE.rglob("*.py"), *(root / "tests").glob("*.py")]
            if (lines := len(path.read_text(encoding="utf-8").splitlines())) > LINES_AT_MOST]
    assert long == []
