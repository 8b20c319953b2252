"""Every renderer by its name, imported on first use: `draw.render_contacts(rows, now)`.

Commands name a renderer inside the function they hand to `Application.emit`, which calls it only
when something is drawn for people: with --json, neither the renderers nor Rich are imported.
"""

from __future__ import annotations

import importlib

# Where the renderers live (custview.cli.<module>), searched in this order.
RENDER_MODULES = ("render", "render_brief", "render_accounts", "render_meetings", "render_upkeep")


def __getattr__(name: str):
    if name.startswith("_"):
        raise AttributeError(name)
    for module in RENDER_MODULES:
        found = getattr(importlib.import_module(f"custview.cli.{module}"), name, None)
        if found is not None:
            return found
    raise AttributeError(f"no renderer called {name!r} in custview.cli.{', custview.cli.'.join(RENDER_MODULES)}")
