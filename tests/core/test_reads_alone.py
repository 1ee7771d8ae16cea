"""A signed-in person's kept page reads outside a transaction on PostgreSQL (civic.database.reads_alone): no
BEGIN and ROLLBACK around who they are and their slots, a write there is refused before it runs, and the
connection goes back to the pool ready for transactions again."""
from __future__ import annotations

import pytest
from sqlalchemy import event, text

from civic.bodies.models import Body
from civic.database import WriteOutsideTransaction, db, reads_alone
from tests.conftest import BACKEND
from tests.core.test_personal_slots import _get, _signed_in
from tests.factories import make_body, make_user
from tests.meetings.factories import make_consultation, make_meeting
from tests.support.people import forget_people

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="SQLite's driver opens no transaction for a "
                                                                "read: there is nothing to leave out there")


@pytest.fixture
def meeting(app):
    with app.app_context():
        body = make_body()
        meeting = make_meeting(make_consultation(body, title="Coworking a Novi"), capacity=10,
                               title="Incontro sul coworking")
        make_user("anna@example.org", name="Anna Rossi")
        db.session.commit()
        return f"/meetings/{meeting.id}"


@pytest.fixture
def sent(app):
    """Each statement the app sends, with whether its connection was in a transaction (not in autocommit)."""
    with app.app_context():
        engine = db.engine
    seen = []

    def note(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement.split()[0], not conn.connection.dbapi_connection.autocommit))

    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


def _pooled_in_autocommit(app) -> list[bool]:
    with app.app_context():
        pool = db.engine.pool
        return [record.dbapi_connection.autocommit for record in list(pool._pool.queue)
                if record.dbapi_connection is not None]


def test_a_person_new_to_the_process_is_read_outside_a_transaction_then_the_pool_gets_it_back(
        app, meeting, sent):
    anna = _signed_in(app, "anna@example.org")
    assert "Incontro sul coworking" in _get(anna, meeting)  # keeps the shared render
    forget_people(app)  # Anna is new to this process (and machine) again
    sent.clear()
    page = _get(anna, meeting)
    assert "Anna Rossi" in page
    assert sent and all(head == "SELECT" and not in_transaction for head, in_transaction in sent), sent
    assert not any(_pooled_in_autocommit(app))
    # The next write of the process is in a transaction as before: a failed one leaves nothing behind.
    with app.app_context():
        db.session.add(Body(slug="municipio-1", name="Municipio I"))
        db.session.flush()
        db.session.rollback()
        assert db.session.scalar(text("SELECT count(*) FROM bodies WHERE slug = 'municipio-1'")) == 0


def test_a_write_inside_reads_alone_is_refused_before_it_runs(app):
    with app.test_request_context():
        with pytest.raises(WriteOutsideTransaction), reads_alone():
            db.session.execute(text("SELECT 1"))
            db.session.execute(text("INSERT INTO bodies (slug, name, data_licence, created_at) "
                                    "VALUES ('municipio-2', 'Municipio II', 'CC-BY-4.0', now())"))
        db.session.rollback()
        assert db.session.scalar(text("SELECT count(*) FROM bodies WHERE slug = 'municipio-2'")) == 0
        db.session.rollback()
        with pytest.raises(WriteOutsideTransaction), reads_alone():
            db.session.execute(text("SELECT id FROM bodies FOR UPDATE"))
        db.session.rollback()
    assert not any(_pooled_in_autocommit(app))


def test_a_request_that_already_read_in_a_transaction_stays_in_it(app):
    with app.test_request_context():
        db.session.execute(text("SELECT 1"))
        with reads_alone():
            raw = db.session.connection().connection.dbapi_connection
            assert raw.autocommit is False
            db.session.execute(text("INSERT INTO bodies (slug, name, data_licence, created_at) "
                                    "VALUES ('municipio-3', 'Municipio III', 'CC-BY-4.0', now())"))
        db.session.rollback()
        assert db.session.scalar(text("SELECT count(*) FROM bodies WHERE slug = 'municipio-3'")) == 0
