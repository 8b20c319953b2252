"""Every renderer by its name, imported on first use: `draw.render_contacts(rows, now)`.

Commands name a renderer inside the function they hand to `Application.emit`, which calls it only
when something is drawn for people: with --json, neither the renderers nor Rich are imported.
Renderers live in the modules custview.cli.render*, searched `render` first, then by name.
"""

from __future__ import annotations

import importlib
import pkgutil
import re


def drawing_modules() -> list[str]:
    """The names of the modules that draw (custview.cli.render, render_brief, render_accounts…)."""
    from custview import cli

    found = sorted(module.name for module in pkgutil.iter_modules(cli.__path__) if module.name.startswith("render"))
    return sorted(found, key=lambda name: name != "render")


def _defines(module: str, name: str) -> bool:
    """Whether a drawing module's source defines `name` at its top level (read, not imported)."""
    from pathlib import Path

    source = (Path(__file__).parent / f"{module}.py").read_text(encoding="utf-8")
    return re.search(rf"^(def |class ){name}\b|^{name} =", source, re.MULTILINE) is not None


def __getattr__(name: str):
    if name.startswith("_"):
        raise AttributeError(name)
    # Only the module that defines it is imported: each drawing module loads its own share of Rich and insight.
    modules = drawing_modules()
    for module in sorted(modules, key=lambda module: not _defines(module, name)):
        found = getattr(importlib.import_module(f"custview.cli.{module}"), name, None)
        if found is not None:
            return found
    raise AttributeError(f"no renderer called {name!r} in custview.cli.render*")
