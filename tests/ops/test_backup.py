"""`flask --app civic backup PATH` and `restore PATH`, on the suite's database (SQLite's online backup, or
PostgreSQL's custom-format dump): every row of every table comes back as it was, new rows still get fresh
ids, visitors see the restored pages at once, and a wrong file or a refused confirmation changes nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, inspect, select, update

from civic.bodies.models import Body
from civic.database import db
from civic.interest.models import DeclarationNeed
from civic.motions.models import Motion
from tests.conftest import BACKEND, require_tool
from tests.factories import make_body
from tests.motions.factories import make_motion


def every_row(app) -> dict[str, list[tuple]]:
    """Each table's rows, in primary-key order."""
    with app.app_context():
        tables = {}
        for table in db.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            tables[table.name] = [tuple(row) for row in db.session.execute(select(table).order_by(*order))]
        assert set(tables) <= set(inspect(db.engine).get_table_names())
        db.session.remove()
    return tables


@pytest.fixture
def tools():
    if BACKEND == "postgresql":
        require_tool("pg_dump", "PostgreSQL backups (Debian: apt-get install postgresql-client)")
        require_tool("pg_restore", "PostgreSQL restores (Debian: apt-get install postgresql-client)")


def test_a_restore_brings_back_every_row_of_every_table(app, runner, client, tmp_path, tools):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        motion_id = make_motion(make_body(), title="Spazi di coworking nei municipi").id
    saved = every_row(app)
    assert sum(bool(rows) for rows in saved.values()) >= 15  # most tables have something to compare

    backup = tmp_path / "civic.backup"
    made = runner.invoke(args=["backup", str(backup)])
    assert made.exit_code == 0, made.output
    assert f"written to {backup}" in made.output and backup.stat().st_size > 0

    with app.app_context():
        db.session.get(Motion, motion_id).title = "Titolo cambiato dopo il salvataggio"
        db.session.execute(delete(DeclarationNeed))
        db.session.execute(update(Body).values(name=Body.name + " (rinominato)"))
        db.session.commit()
        make_body(slug="nuovo-ente")
    assert "Titolo cambiato" in client.get(f"/motions/{motion_id}").get_data(as_text=True)  # now kept
    assert every_row(app) != saved

    restored = runner.invoke(args=["restore", "--yes", str(backup)])
    assert restored.exit_code == 0, restored.output
    assert every_row(app) == saved
    page = client.get(f"/motions/{motion_id}").get_data(as_text=True)
    assert "Spazi di coworking nei municipi" in page and "Titolo cambiato" not in page
    with app.app_context():  # the ids go on from the backup's, as the next registration would need
        assert make_body(slug="dopo-il-ripristino").id > max(row[0] for row in saved["bodies"])


def test_a_backup_never_overwrites_one_unless_told(app, runner, tmp_path, tools):
    backup = tmp_path / "civic.backup"
    backup.write_bytes(b"an older backup")
    refused = runner.invoke(args=["backup", str(backup)])
    assert refused.exit_code == 2 and "exists" in refused.output
    assert backup.read_bytes() == b"an older backup"
    assert runner.invoke(args=["backup", "--force", str(backup)]).exit_code == 0
    assert backup.read_bytes() != b"an older backup"
    assert not list(tmp_path.glob("*.partial"))


def test_a_wrong_file_or_a_no_changes_nothing(app, runner, tmp_path, tools):
    with app.app_context():
        make_body(slug="genova")
    before = every_row(app)
    other_kind = "postgresql" if BACKEND == "sqlite" else "sqlite"
    wrong = {
        "notes.txt": (b"not a backup at all", "is not a Civic backup"),
        "other.backup": (b"PGDMP" if BACKEND == "sqlite" else b"SQLite format 3\x00",
                         f"but this Civic's database is {BACKEND}: restore it into a {other_kind} database"),
    }
    for name, (content, message) in wrong.items():
        (tmp_path / name).write_bytes(content)
        result = runner.invoke(args=["restore", "--yes", str(tmp_path / name)])
        assert result.exit_code == 1 and message in result.output, result.output
    backup = tmp_path / "civic.backup"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    with app.app_context():
        make_body(slug="novi-ligure")
    after = every_row(app)
    declined = runner.invoke(args=["restore", str(backup)], input="n\n")
    assert declined.exit_code == 1 and "Replace all the data" in declined.output
    assert every_row(app) == after != before
