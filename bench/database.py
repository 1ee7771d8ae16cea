"""The benchmark's databases and its bulk writer.

A PostgreSQL database `civic_bench_<random>` at 127.0.0.1:5432 (user postgres) or a SQLite file in a temp
folder, created for one run and dropped after it. Rows go in through COPY (psycopg `cursor.copy`, foreign-key
triggers off for the loading session) on PostgreSQL and one executemany per 20,000 rows on SQLite, after
the same per-column conversion SQLAlchemy applies to a bind parameter, so enums, JSON and UTC timestamps are
stored exactly as the app stores them.
"""
from __future__ import annotations

import itertools
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Table, create_engine, func, select, text
from sqlalchemy.engine import Engine

POSTGRES_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL",
                                    "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BATCH = 20_000


class BenchDatabase:
    """One database of one run: `url` for the app, `create()` and `drop()`."""

    def __init__(self, backend: str, folder: Path):
        self.backend = backend
        if backend == "postgresql":
            self.name = f"civic_bench_{secrets.token_hex(4)}"
            self.url = f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{self.name}"
        elif backend == "sqlite":
            self.name = str(folder / "civic_bench.sqlite3")
            self.url = f"sqlite:///{self.name}"
        else:
            raise ValueError(f"unknown backend {backend!r}")

    def create(self) -> None:
        if self.backend == "postgresql":
            with _admin() as connection:
                connection.execute(text(f'CREATE DATABASE "{self.name}"'))

    def drop(self) -> None:
        if self.backend == "postgresql":
            with _admin() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(self.name + suffix).unlink(missing_ok=True)


class _admin:
    def __enter__(self):
        self.engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        self.connection = self.engine.connect()
        return self.connection

    def __exit__(self, *exc):
        self.connection.close()
        self.engine.dispose()


def postgres_available() -> bool:
    try:
        with _admin() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 (any failure means: no server to use)
        return False


class BulkWriter:
    """Fast inserts of generated rows with explicit ids, then the id sequences moved past them."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.dialect = engine.dialect
        self._next_id: dict[str, int] = {}

    def next_ids(self, table: Table, count: int) -> range:
        """`count` fresh primary keys for `table` (after any row already there)."""
        if table.name not in self._next_id:
            with self.engine.connect() as connection:
                self._next_id[table.name] = (connection.scalar(select(func.max(table.c.id))) or 0) + 1
        start = self._next_id[table.name]
        self._next_id[table.name] = start + count
        return range(start, start + count)

    def insert(self, table: Table, rows: Iterable[dict]) -> int:
        """Insert every row (dicts by column name; a missing column gets its default, or is left to the
        database when only the database declares one); returns the count."""
        rows = iter(rows)
        first = next(rows, None)
        if first is None:
            return 0
        rows = itertools.chain((first,), rows)
        columns = [column for column in table.columns
                   if column.name in first or column.default is not None or column.server_default is None]
        converters = [self._converter(column) for column in columns]
        names = [column.name for column in columns]

        def tuples():
            for row in rows:
                yield tuple(convert(row[name]) if name in row else convert(default())
                            for name, (convert, default) in zip(names, converters, strict=True))

        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            if self.dialect.name == "postgresql":
                _skip_foreign_key_triggers(raw, cursor)
                count = 0
                quoted = ", ".join(f'"{name}"' for name in names)
                with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
                    for values in tuples():
                        copy.write_row(values)
                        count += 1
            else:
                marks = ", ".join("?" * len(names))
                sql = f'INSERT INTO "{table.name}" ({", ".join(names)}) VALUES ({marks})'
                count, batch = 0, []
                for values in tuples():
                    batch.append(values)
                    if len(batch) == BATCH:
                        cursor.executemany(sql, batch)
                        count, batch = count + len(batch), []
                if batch:
                    cursor.executemany(sql, batch)
                    count += len(batch)
            raw.commit()
        finally:
            raw.close()
        return count

    def _converter(self, column):
        # The whole chain SQLAlchemy applies to a parameter (TypeDecorator, then the dialect's own type).
        processor = column.type._cached_bind_processor(self.dialect)
        convert = processor if processor is not None else _identity
        default = column.default
        if default is None:
            return convert, _none
        if default.is_callable:
            return convert, lambda: default.arg(None)
        if default.is_scalar:
            return convert, lambda: default.arg
        return convert, _none

    def finish(self) -> None:
        """Move PostgreSQL id sequences past the explicit ids; refresh planner statistics and (PostgreSQL) the
        visibility map, as autovacuum would have done on a database that grew over days: without it a freshly
        COPYed table cannot be read by index-only scans."""
        with self.engine.begin() as connection:
            if self.dialect.name == "postgresql":
                for table_name in self._next_id:
                    connection.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('\"{table_name}\"', 'id'), "
                        f"(SELECT coalesce(max(id), 0) + 1 FROM \"{table_name}\"), false)"
                    ))
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE" if self.dialect.name == "postgresql" else "ANALYZE"))


def _skip_foreign_key_triggers(raw, cursor) -> None:
    """The generated rows reference only rows written before them, so the per-row foreign-key triggers (three
    quarters of the time COPY takes) are skipped for this session when the role may (a superuser); otherwise
    they run."""
    try:
        cursor.execute("SET session_replication_role = replica")
    except Exception:  # noqa: BLE001 (not allowed: load with the checks)
        raw.rollback()


def _identity(value):
    return value


def _none():
    return None

