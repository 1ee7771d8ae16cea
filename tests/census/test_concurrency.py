"""Twenty parallel answers by one verified resident with SPID/CIE, against gunicorn (four worker processes,
the test database): on an anonymous survey the ledger holds that person by the keyed hash of the identity
alone (no account), and its unique index keeps exactly one answer."""
from __future__ import annotations

import datetime as dt

import pytest
import requests
from sqlalchemy import func, select

from civic.census.eligibility import Audience
from civic.census.models import Method, Verification
from civic.database import db, utcnow
from civic.identity.models import Identity, Provider
from civic.surveys.models import Participation
from tests.consultations.factories import make_consultation
from tests.factories import PASSWORD, make_body, make_user
from tests.surveys.concurrency_support import fire, token
from tests.surveys.factories import every_kind, good_answers, make_survey
from tests.surveys.support import counts, release_held

TIMEOUT = 60


@pytest.mark.slow
def test_twenty_parallel_answers_by_one_verified_person_store_one(gunicorn_server, in_db):
    def build():
        body = make_body("novi", "Comune di Novi Ligure")
        survey = make_survey(make_consultation(body, slug="coworking"), title="Per i residenti")
        survey.audience = Audience.RESIDENT
        questions = every_kind(survey)
        user = make_user(email="giulia@example.org")
        db.session.add(Identity(user_id=user.id, subject="ab" * 32, provider=Provider.SPID, level=2,
                                idp_entity_id="https://idp.test"))
        now = utcnow()
        db.session.add(Verification(user_id=user.id, body_id=body.id, method=Method.IDENTITY, level=2,
                                    verified_at=now, expires_at=now + dt.timedelta(days=30)))
        db.session.commit()
        return survey.id, questions
    survey_id, questions = in_db(build)
    url = f"{gunicorn_server.url}/surveys/{survey_id}"
    with requests.Session() as person:
        login = person.get(f"{gunicorn_server.url}/account/login", timeout=TIMEOUT).text
        logged = person.post(f"{gunicorn_server.url}/account/login", allow_redirects=False, timeout=TIMEOUT,
                             data={"email": "giulia@example.org", "password": PASSWORD,
                                   "csrf_token": token(login)})
        assert logged.status_code == 302
        form = person.get(url, timeout=TIMEOUT).text
        assert 'id="survey-form"' in form
        statuses = fire(url, person.cookies, {"csrf_token": token(form), **good_answers(questions)})
        assert statuses == [302] * len(statuses), statuses
        assert "Hai già risposto" in person.get(url, timeout=TIMEOUT).text
    ledger = in_db(lambda: db.session.execute(select(Participation.user_id, Participation.token_hash)).all())
    assert len(ledger) == 1 and ledger[0].user_id is None and ledger[0].token_hash
    assert in_db(release_held, survey_id) == 1
    assert in_db(counts)[0] == 1
    assert in_db(lambda: db.session.scalar(select(func.count()).select_from(Participation))) == 1
