"""Insight: pure rules over a book's data, returning plain dataclasses."""
