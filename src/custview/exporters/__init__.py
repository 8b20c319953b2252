"""Exporters: the book written out as YAML, JSON, CSV, iCalendar and Markdown hand-overs."""
