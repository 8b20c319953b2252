"""The reference for start-up: the smallest useful Typer program, one command with one argument."""

import typer

app = typer.Typer(add_completion=False)


@app.command()
def hello(name: str = typer.Argument(..., help="Who to greet.")) -> None:
    """Greet someone."""
    print(f"Hello {name}")


if __name__ == "__main__":
    app()
