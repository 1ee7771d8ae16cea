"""The migrations build exactly the schema the models describe, on an empty database of each kind."""
from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from civic import create_app
from civic.database import db
from tests.conftest import BACKEND, POSTGRES_ADMIN_URL


@pytest.fixture
def empty_database_url(tmp_path):
    if BACKEND == "sqlite":
        yield "sqlite:///" + str(tmp_path / "migrated.sqlite3")
        return
    name = f"civic_migrate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


EXPRESSION_INDEXES = {"ix_motions_search"}


def _postgres_only_on_sqlite(difference, dialect: str) -> bool:
    """Alembic cannot compare expression indexes (the full-text one, PostgreSQL only); they are checked by
    name in the test instead."""
    return difference[0] in ("add_index", "remove_index") and difference[1].name in EXPRESSION_INDEXES


def test_upgrade_builds_the_models_schema_and_downgrade_removes_it(empty_database_url, instance_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            differences = [
                difference
                for difference in compare_metadata(MigrationContext.configure(connection), db.metadata)
                if not _postgres_only_on_sqlite(difference, connection.dialect.name)
            ]
        assert differences == [], f"models and migrations differ: {differences}"
        indexes = {index["name"] for index in inspect(db.engine).get_indexes("motions")}
        assert ("ix_motions_search" in indexes) == (db.engine.dialect.name == "postgresql")
        downgrade(revision="base")
        remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        db.engine.dispose()
