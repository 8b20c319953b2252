"""The user's own settings, kept in a small file in their config folder: for now, who "me" is.

`$XDG_CONFIG_HOME/custview/config.toml` (else `~/.config/custview/config.toml`), written by
`custview config set me "Dana Ortiz"`. `CUSTVIEW_ME` in the environment wins over the file.
Standard library only: any command may ask who "me" is without loading anything heavy.
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

from custview.errors import UserError

SETTINGS = {"me": "the member you are: what --owner me means"}


def config_path() -> Path:
    """Where the settings file is (it may not exist yet)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "custview" / "config.toml"


def read_settings() -> dict[str, str]:
    """The settings in the file; {} when there is none. UserError, naming the file, if it cannot be read."""
    path = config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"{path}: cannot read the settings ({error})") from None
    try:
        settings = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise UserError(f"{path}: not a settings file ({error}); fix or delete it") from None
    return {key: value for key, value in settings.items() if key in SETTINGS and isinstance(value, str)}


def write_setting(key: str, value: str | None) -> Path:
    """Set (or, with None, remove) one setting; the file is readable by its owner only. Returns its path."""
    settings = read_settings()
    if value is None:
        settings.pop(key, None)
    else:
        settings[key] = value
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    text = "".join(f"{name} = {json.dumps(setting, ensure_ascii=False)}\n" for name, setting in settings.items())
    temporary = path.with_name(path.name + ".part")
    descriptor = os.open(temporary, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
    with open(descriptor, "w", encoding="utf-8") as file:
        file.write("# custview settings (custview config set KEY VALUE)\n" + text)
    os.replace(temporary, path)
    return path


def setting(key: str) -> str | None:
    """One setting: from the environment (CUSTVIEW_ME for "me"), else from the file."""
    from_environment = os.environ.get(f"CUSTVIEW_{key.upper()}", "").strip()
    return from_environment or read_settings().get(key)


def who_writes() -> str:
    """The name every write records as its maker: the "me" setting (CUSTVIEW_ME first), else the OS user."""
    import getpass

    try:
        return setting("me") or getpass.getuser()
    except (UserError, OSError, KeyError):  # an unreadable settings file, or a user the system cannot name
        return f"uid {os.getuid()}"
