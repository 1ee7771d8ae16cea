"""Backing up the database into one file, and restoring it from one: `flask --app civic backup PATH` and
`flask --app civic restore PATH` (civic/cli.py).

- SQLite: SQLite's online backup API, a consistent copy taken while the site goes on reading and writing;
  the backup is itself an SQLite database (one file, no journal beside it). Restoring copies it back the same
  way, over the live file.
- PostgreSQL: `pg_dump --format=custom`, restored with `pg_restore --clean --single-transaction`, so a restore
  that fails half-way changes nothing. Both come with Debian's postgresql-client, whose major version must be
  at least the server's. The password goes to them in PGPASSWORD, never on the command line (which any user
  of the machine can read).

A restore puts back every table of the backup as it was; stop the web servers and the outbox workers first
(what they write meanwhile would be lost), and use a backup of the same Civic version (then upgrade with
`flask --app civic db upgrade` if it is older)."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import URL

SQLITE_MAGIC = b"SQLite format 3\x00"
POSTGRES_MAGIC = b"PGDMP"
KINDS = {"sqlite": "an SQLite database", "postgresql": "a PostgreSQL custom-format dump"}


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why, for the operator."""


def backup(url: URL, path: Path) -> None:
    """Write a backup of the database at `url` into `path` (replaced only once the backup is complete)."""
    partial = path.with_name(path.name + ".partial")
    backend = url.get_backend_name()
    try:
        if backend == "sqlite":
            _sqlite_backup(_sqlite_file(url), partial)
        elif backend == "postgresql":
            _run(["pg_dump", "--format=custom", "--no-password", f"--file={partial}",
                  f"--dbname={_uri(url)}"], url)
        else:
            raise BackupError(f"backups of {backend} databases are not supported")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def restore(url: URL, path: Path) -> None:
    """Replace the data of the database at `url` with the backup in `path`."""
    backend = url.get_backend_name()
    kind = _kind_of(path)
    if kind is None:
        kinds = " nor ".join(KINDS.values())
        raise BackupError(f"{path} is not a Civic backup (neither {kinds})")
    if kind != backend:
        raise BackupError(f"{path} is {KINDS[kind]}, but this Civic's database is {backend}: restore it "
                          f"into a {kind} database")
    if backend == "sqlite":
        _sqlite_restore(path, _sqlite_file(url))
    else:
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
              "--exit-on-error", "--no-password", f"--dbname={_uri(url)}", str(path)], url)


def _kind_of(path: Path) -> str | None:
    with open(path, "rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(POSTGRES_MAGIC):
        return "postgresql"
    return None


def _sqlite_file(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up or restore")
    path = Path(url.database)
    if not path.exists():
        raise BackupError(f"the database file {path} does not exist")
    return path


def _sqlite_backup(source: Path, target: Path) -> None:
    with closing(sqlite3.connect(source, timeout=30)) as live, closing(sqlite3.connect(target)) as copy:
        live.backup(copy)
        # The live database is in WAL mode, and so is the copy: one self-contained file is easier to keep.
        copy.execute("PRAGMA journal_mode=DELETE")


def _sqlite_restore(backup_file: Path, live_file: Path) -> None:
    with closing(sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)) as saved:
        try:
            verdict = saved.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{backup_file} cannot be read: {error}") from error
        if verdict != "ok":
            raise BackupError(f"{backup_file} is damaged: {verdict}")
        with closing(sqlite3.connect(live_file, timeout=30)) as live:
            saved.backup(live)


def _uri(url: URL) -> str:
    """The connection as a libpq URI, without the password."""
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _run(command: list[str], url: URL) -> None:
    tool = shutil.which(command[0])
    if tool is None:
        raise BackupError(f"{command[0]} is not installed: install Debian's postgresql-client "
                          "(apt-get install postgresql-client), of the server's major version or newer")
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    finished = subprocess.run([tool, *command[1:]], env=environment, capture_output=True, text=True)
    if finished.returncode != 0:
        raise BackupError(f"{command[0]} failed: {finished.stderr.strip() or finished.returncode}")
