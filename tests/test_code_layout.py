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
