"""The bundled sample book of business."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def sample_path() -> Path:
    """Where data/sample.yaml is: inside the installed package, or in the source checkout."""
    packaged = resources.files("custview") / "data" / "sample.yaml"
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "data" / "sample.yaml"
