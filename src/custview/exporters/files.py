"""Writing output files the one careful way: readable by their owner only, whole or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from custview.errors import UserError


def refuse_existing(paths, force: bool) -> None:
    """UserError naming every file that exists already, unless `force`."""
    taken = [f"{path}: already exists (use --force to overwrite it)" for path in paths if not force and path.exists()]
    if taken:
        raise UserError(*taken)


def write_private_files(contents: dict[Path, bytes]) -> None:
    """Write every file through a private (0600) temporary file beside it, renamed into place once all are written.

    On any problem (a full disk, a folder that cannot be written) no file is changed and the
    UserError names the file that could not be written.
    """
    temporary: list[tuple[str, Path]] = []
    current = None
    try:
        for current, content in contents.items():
            handle, name = tempfile.mkstemp(dir=current.parent, prefix=f".{current.name}.", suffix=".tmp")
            temporary.append((name, current))
            with os.fdopen(handle, "wb") as file:
                file.write(content)
                file.flush()
                os.fsync(file.fileno())
        for name, current in temporary:
            os.replace(name, current)
    except OSError as error:
        for name, _ in temporary:
            if os.path.exists(name):
                os.unlink(name)
        raise UserError(f"{current}: cannot write ({error.strerror}); no file was changed") from None
