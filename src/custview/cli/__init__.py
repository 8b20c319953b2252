"""The command line: the Typer app, its commands, and the only code that draws."""
