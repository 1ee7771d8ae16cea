"""An anonymous survey keeps "who has answered" apart from the answers: no table, row, page or log line links
a response to a user or a browser token."""
from __future__ import annotations

import hashlib
import logging

from sqlalchemy import inspect, select

from civic.audit.models import AuditEntry
from civic.database import db
from civic.surveys.models import Participation, Response
from tests.surveys.factories import good_answers
from tests.surveys.support import answer

TOKEN_COOKIE = "civic_survey_token"


def test_the_schema_has_no_path_from_a_response_to_a_person(app):
    with app.app_context():
        inspector = inspect(db.engine)
        # Only the answers point at a response.
        pointing_at_responses = {table for table in inspector.get_table_names()
                                 for fk in inspector.get_foreign_keys(table) if fk["referred_table"] ==
                                 "survey_responses"}
        assert pointing_at_responses == {"survey_answers"}
        # The ledger points at the survey and the person, never at a response; it has no time of day (and for
        # anonymous surveys not even the day, see below).
        ledger = {fk["referred_table"] for fk in inspector.get_foreign_keys("survey_participations")}
        assert ledger == {"surveys", "users"}
        columns = {c["name"]: c for c in inspector.get_columns("survey_participations")}
        assert set(columns) == {"id", "survey_id", "user_id", "token_hash", "answered_on"}
        assert "DATE" in str(columns["answered_on"]["type"]).upper()
        assert "TIME" not in str(columns["answered_on"]["type"]).upper()
        # Its key is random text, not a sequence that would line up with response ids.
        assert "CHAR" in str(columns["id"]["type"]).upper()
        answers = {c["name"] for c in inspector.get_columns("survey_answers")}
        assert answers == {"id", "response_id", "question_id", "option_id", "row_id", "rank", "number",
                           "text"}


def test_anonymous_rows_hold_no_link_and_the_token_is_only_a_keyed_hash(client, auth, novi, in_db, caplog):
    caplog.set_level(logging.DEBUG)
    data = good_answers(novi.q)
    browsers = [client.application.test_client() for _ in range(2)]
    tokens = []
    for browser in browsers:
        assert answer(browser, novi.id, data).status_code == 302
        cookie = browser.get_cookie(TOKEN_COOKIE, path="/surveys/")
        assert cookie is not None and cookie.http_only
        tokens.append(cookie.value)
    auth.login(novi.citizen)
    thanks = answer(client, novi.id, data)
    assert thanks.headers["Location"].endswith(f"/surveys/{novi.id}/thanks")  # no response id anywhere

    responses = in_db(lambda: db.session.execute(select(Response.id, Response.user_id, Response.submitted_at))
                      .all())
    ledger = in_db(lambda: db.session.execute(
        select(Participation.id, Participation.user_id, Participation.token_hash,
               Participation.answered_on)).all())
    assert len(responses) == 3 and all(user_id is None for _id, user_id, _at in responses)
    assert len(ledger) == 3
    response_ids = {str(response_id) for response_id, _u, _at in responses}
    for participation_id, _user_id, token_hash, answered_on in ledger:
        assert participation_id not in response_ids and not participation_id.isdigit()
        assert answered_on is None  # not even the day a response was given
        assert token_hash is None or (token_hash not in tokens and
                                      token_hash not in {hashlib.sha256(t.encode()).hexdigest()
                                                         for t in tokens})
    assert sorted(user_id is not None for _p, user_id, _t, _d in ledger) == [False, False, True]

    # Nothing about web answers in the audit log, and no log line carries a token or a person.
    actions = in_db(lambda: db.session.scalars(select(AuditEntry.action)).all())
    assert not any(action.startswith("survey.") for action in actions)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert not any(token in logged for token in tokens) and novi.citizen not in logged


def test_pages_never_show_which_response_is_whose(client, novi):
    assert answer(client, novi.id, good_answers(novi.q)).status_code == 302
    page = client.get(f"/surveys/{novi.id}").get_data(as_text=True)
    assert "Hai già risposto" in page and "Giulia" not in page
