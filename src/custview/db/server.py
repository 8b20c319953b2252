"""A book on a PostgreSQL server (`--db postgresql://…`): naming it, connecting to it, and what refuses it.

Credentials never travel on the command line: a URL with a password in it is refused, and libpq's
own ways supply one (PGPASSFILE or ~/.pgpass, PGSERVICE, PGPASSWORD in the environment). Everything
else in the URL goes to libpq as it is (host, port, sslmode and the other TLS settings…).

Standard library only at import time; psycopg is loaded when a connection is opened.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from custview.errors import UserError

SCHEMES = ("postgresql", "postgres")
CONNECT_TIMEOUT_SECONDS = 10
# The advisory lock every write transaction on a server takes first (see custview.db.writer); any constant will do.
WRITERS_LOCK = int.from_bytes(b"cv-write", "big") & 0x7FFF_FFFF_FFFF_FFFF
PASSWORD_HINT = "put the password in ~/.pgpass (or the file PGPASSFILE names) or use PGSERVICE"


def is_server_url(text: object) -> bool:
    """Whether a --db value names a book on a PostgreSQL server rather than a file."""
    return isinstance(text, str) and text.split("://", 1)[0].lower() in SCHEMES and "://" in text


class ServerBook:
    """A book on a PostgreSQL server, named by a libpq URL (without a password)."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        if parts.password is not None or "password=" in parts.query.lower():
            raise UserError(f"a password in the --db URL is refused (it would show in the process list and "
                            f"shell history): {PASSWORD_HINT}.")
        self.url = url
        self.database = unquote(parts.path.lstrip("/")) or "(the default database)"

    def __str__(self) -> str:
        return self.url

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ServerBook) and other.url == self.url

    def __hash__(self) -> int:
        return hash(self.url)

    def exists(self) -> bool:
        """Whether the database has tables yet (an empty one is a book still to create; one with other
        tables is refused when it is opened)."""
        from custview.db.dialect import POSTGRESQL

        connection = self.connect()
        try:
            return bool(POSTGRESQL.table_names(connection))
        finally:
            connection.close()

    def connect(self, *, read_only: bool = False):
        """A DB-API connection in autocommit mode speaking like sqlite3's (see `custview.db.dialect`); with
        `read_only`, every transaction on it is read-only unless it says READ WRITE."""
        from custview.db.dialect import ServerConnection

        return ServerConnection(self.connect_raw(read_only=read_only), own=True)

    def connect_raw(self, *, autocommit: bool = True, read_only: bool = False):
        """A plain psycopg connection (the writer's engine makes its own from this); UserError if refused.

        Its settings travel with the login (libpq's `options`): no round trip of their own.
        """
        import psycopg

        settings = "-c timezone=UTC" + (" -c default_transaction_read_only=on" if read_only else "")
        try:
            return psycopg.connect(self.url, connect_timeout=CONNECT_TIMEOUT_SECONDS, autocommit=autocommit,
                                   options=settings)
        except psycopg.OperationalError as error:
            raise connection_error(self, error) from None


def connection_error(book: ServerBook, error: Exception) -> UserError:
    """One line for a server that cannot be reached or refuses the login, with what to do."""
    # libpq: 'connection failed: connection to server on socket "…" failed: <why>', then hints on more lines.
    lines = [line.strip() for line in str(error).splitlines() if line.strip()] or ["refused"]
    reason = " ".join([lines[0].rsplit("failed: ", 1)[-1], *lines[1:]])
    if "password" in reason:
        return UserError(f"the server refused the login to {book}: {reason}; {PASSWORD_HINT}.")
    if "does not exist" in reason:
        return UserError(f"cannot use {book}: {reason}; create it first (see docs/database.md).")
    return UserError(f"cannot reach the PostgreSQL server of {book}: {reason}")
