"""Python's cycle collector paused for work that makes many small objects and no cycles."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Python's cycle collector paused, then set back as it was: the book-wide figures and imports make hundreds
    of thousands of small objects that hold no cycles, and collecting while they pile up costs a sixth to a
    tenth of the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
