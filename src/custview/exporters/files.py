"""Writing output files the one careful way: readable by their owner only, whole or not at all."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import BinaryIO, TypeVar

from custview.errors import UserError

T = TypeVar("T")


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
    write_private_streams({path: partial(_write_bytes, content) for path, content in contents.items()})


def _write_bytes(content: bytes, file: BinaryIO) -> None:
    file.write(content)


def write_private_streams(writers: dict[Path, Callable[[BinaryIO], T]]) -> dict[Path, T]:
    """Like `write_private_files`, each file's content written by its function as it is made (not held in
    memory); what each function returned, by file.

    No temporary file is left behind: on an error while writing (the disk's, or one a writer raises)
    every one is removed and no file is changed.
    """
    temporary: list[tuple[str, Path]] = []
    returned: dict[Path, T] = {}
    current = None
    try:
        for current, write in writers.items():
            handle, name = tempfile.mkstemp(dir=current.parent, prefix=f".{current.name}.", suffix=".tmp")
            temporary.append((name, current))
            with os.fdopen(handle, "wb", buffering=1 << 20) as file:
                returned[current] = write(file)
                file.flush()
                os.fsync(file.fileno())
        for name, current in temporary:
            os.replace(name, current)
    except OSError as error:
        raise UserError(f"{current}: cannot write ({error.strerror}); no file was changed") from None
    finally:
        for name, _ in temporary:
            if os.path.exists(name):
                os.unlink(name)
    return returned
