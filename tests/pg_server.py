"""A throw-away PostgreSQL server for the tests: initdb + pg_ctl into a temporary folder, stopped and deleted after.

The server listens only on a unix socket in its own folder (no TCP port to collide with), trusts
local connections, except for one role that must give a password (the wrong-password test). As
root (CI), the folder belongs to the `postgres` user and the server runs as that user.

Where the binaries are: $CUSTVIEW_PG_BIN, else PostgreSQL 15+ under /usr/lib/postgresql/*/bin, else
on PATH. When no server can start, the tests that need one FAIL, unless CUSTVIEW_PG_TESTS=off says
explicitly to skip them (a laptop without PostgreSQL).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote

PASSWORD_ROLE, PASSWORD = "custview_pw", "right-password"
SERVER_USER = "postgres"


def server_binaries() -> Path | None:
    """The folder holding initdb and pg_ctl, or None when PostgreSQL is not installed."""
    chosen = os.environ.get("CUSTVIEW_PG_BIN")
    if chosen:
        return Path(chosen)
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda name: int(name.split("/")[-2]),
                         reverse=True):
        if Path(folder, "pg_ctl").exists():
            return Path(folder)
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


class PostgresServer:
    """One server in a temporary folder; `url(database)` is how custview reaches a database on it."""

    def __init__(self, binaries: Path):
        self.binaries = binaries
        self.as_root = os.geteuid() == 0
        self.folder = Path(tempfile.mkdtemp(prefix="custview-pg-"))
        self.data = self.folder / "data"
        self.user = SERVER_USER if self.as_root else _current_user()

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", SERVER_USER, "--"] if self.as_root else []
        done = subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise RuntimeError(f"{' '.join(command)} failed: {done.stdout}{done.stderr}")

    def start(self) -> PostgresServer:
        """initdb, write the settings, start the server and wait until it accepts connections."""
        if self.as_root:
            shutil.chown(self.folder, SERVER_USER)
        self._run(str(self.binaries / "initdb"), "-D", str(self.data), "-U", self.user, "-A", "trust",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        with open(self.data / "postgresql.conf", "a", encoding="utf-8") as settings:
            settings.write(f"listen_addresses = ''\nunix_socket_directories = '{self.folder}'\n"
                           "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 60\n")
        hba = self.data / "pg_hba.conf"
        hba.write_text(f"local all {PASSWORD_ROLE} scram-sha-256\nlocal all all trust\n", encoding="utf-8")
        self._run(str(self.binaries / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log"), "-w",
                  "-t", "60", "start")
        self.sql(f"CREATE ROLE {PASSWORD_ROLE} LOGIN PASSWORD '{PASSWORD}'")
        return self

    def stop(self) -> None:
        """Stop the server at once and delete its folder."""
        try:
            self._run(str(self.binaries / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str = "postgres", user: str | None = None) -> str:
        """A custview --db URL for a database on this server (no password in it)."""
        return (f"postgresql:///{database}?host={quote(str(self.folder), safe='/')}"
                f"&user={user or self.user}")

    def connect(self, database: str = "postgres"):
        """A psycopg connection (autocommit) for the tests' own setup and checks."""
        import psycopg

        return psycopg.connect(host=str(self.folder), dbname=database, user=self.user, autocommit=True)

    def sql(self, statement: str, database: str = "postgres") -> list[tuple]:
        """Run one statement as the server's superuser; its rows (if any)."""
        with self.connect(database) as connection:
            cursor = connection.execute(statement)
            return cursor.fetchall() if cursor.description else []


def _current_user() -> str:
    import getpass

    return getpass.getuser()
