"""Revision 0020: invitations sent before it are Italian (the only language they were sent in), and surveys
whose results the public could already read count as announced, so that changing their visibility later does
not tell the followers a second time; the others will be announced when their results become public."""
from __future__ import annotations

import datetime as dt

from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from civic import create_app
from civic.database import db, utcnow
from civic.surveys.models import Survey, SurveyInvitation
from tests.consultations.factories import make_consultation
from tests.core.test_migrations import empty_database_url  # noqa: F401 (a fixture)
from tests.factories import make_body


def _survey(consultation_id: int, title: str, status: str, visibility: str, closes_at=None) -> int:
    values = {"consultation_id": consultation_id, "title": title, "status": status, "audience": "anyone",
              "anonymous": True, "results_visibility": visibility, "closes_at": closes_at}
    return db.session.execute(Survey.__table__.insert().values(**values)).inserted_primary_key[0]


def test_existing_public_results_count_as_announced_and_invitations_as_italian(empty_database_url):  # noqa: F811
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(revision="0018")
        consultation = make_consultation(make_body())
        past, future = utcnow() - dt.timedelta(days=1), utcnow() + dt.timedelta(days=1)
        for title, status, visibility, closes_at in (
                ("chiuso, pubblico", "closed", "after_close", None),
                ("chiuso, riservato", "closed", "councillors", None),
                ("scaduto, pubblico", "open", "after_close", past),
                ("aperto, dopo la chiusura", "open", "after_close", future),
                ("aperto, visibile", "open", "while_open", None),
                ("bozza", "draft", "while_open", None)):
            survey_id = _survey(consultation.id, title, status, visibility, closes_at)
        db.session.execute(text(
            "INSERT INTO survey_invitations (survey_id, email, token_hash, used, reminders, sent_at) "
            "VALUES (:survey, 'anna@example.org', 'x', false, 0, :now)"), {"survey": survey_id, "now": past})
        db.session.commit()
        db.session.remove()

        upgrade(revision="0020")
        announced = dict(db.session.execute(
            select(Survey.title, Survey.results_announced_at.is_not(None))).all())
        assert announced == {"chiuso, pubblico": True, "chiuso, riservato": False, "scaduto, pubblico": True,
                             "aperto, dopo la chiusura": False, "aperto, visibile": False, "bozza": False}
        assert db.session.scalars(select(SurveyInvitation.language)).all() == ["it"]
        db.session.remove()
        downgrade(revision="0018")
        db.session.remove()
        db.engine.dispose()
