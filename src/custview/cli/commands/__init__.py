"""One module per command; each exposes a Typer `app`. Heavy imports happen inside the functions."""
