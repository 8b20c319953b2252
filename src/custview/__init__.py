"""custview: a unified customer view in the terminal."""

__version__ = "0.1.0"
