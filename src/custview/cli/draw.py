"""Every renderer by its name, imported on first use: `draw.render_contacts(rows, now)`.

Commands name a renderer inside the function they hand to `Application.emit`, which calls it only
when something is drawn for people: with --json, neither the renderers nor Rich are imported.
Renderers live in the modules custview.cli.render*, searched `render` first, then by name.
"""

from __future__ import annotations

import importlib
import pkgutil


def drawing_modules() -> list[str]:
    """The names of the modules that draw (custview.cli.render, render_brief, render_accounts…)."""
    from custview import cli

    found = sorted(module.name for module in pkgutil.iter_modules(cli.__path__) if module.name.startswith("render"))
    return sorted(found, key=lambda name: name != "render")


def __getattr__(name: str):
    if name.startswith("_"):
        raise AttributeError(name)
    for module in drawing_modules():
        found = getattr(importlib.import_module(f"custview.cli.{module}"), name, None)
        if found is not None:
            return found
    raise AttributeError(f"no renderer called {name!r} in custview.cli.render*")
