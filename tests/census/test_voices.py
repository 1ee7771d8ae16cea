"""One verified person, one voice for motion supports and interest declarations: the keyed hash of the person
(the SPID/CIE identity, else the e-mail address) is kept in census_voices, without the account and the time,
so deleting the account and signing up again does not give a second support or declaration. Withdrawing
gives the voice back."""
from __future__ import annotations

import threading

import pytest
import requests
from flask_babel import force_locale
from sqlalchemy import func, inspect, select

from civic.accounts import services as accounts
from civic.accounts.models import User
from civic.census import eligibility
from civic.census.models import Voice
from civic.database import db, utcnow
from civic.identity.models import Identity, Provider
from civic.interest import services as interest
from civic.interest.models import Declaration
from civic.motions import services as motions
from civic.motions.models import MotionSupport
from tests.factories import PASSWORD, make_body, make_user
from tests.interest.factories import make_call
from tests.motions.factories import make_motion
from tests.surveys.concurrency_support import fire, token

TIMEOUT = 60
SUBJECT = "cd" * 32
ALREADY_DECLARED = "Hai già manifestato il tuo interesse in questa raccolta."


def _person(email="giulia@example.org", subject: str | None = None):
    user = make_user(email=email)
    if subject is not None:
        db.session.add(Identity(user_id=user.id, subject=subject, provider=Provider.SPID, level=2,
                                idp_entity_id="https://idp.test"))
    db.session.commit()
    return user


def _delete(user) -> None:
    accounts.delete_account(user, PASSWORD)
    db.session.commit()


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _declare(call, user):
    return interest.save_declaration(call, user, interest.DeclarationData(
        role="user", profile="student", budget="nothing", horizon="now", days_per_week=2), utcnow())


def test_the_voices_table_keeps_no_account_and_no_time(app):
    with app.app_context():
        columns = {column["name"] for column in inspect(db.engine).get_columns("census_voices")}
    assert columns == {"activity", "target_id", "person"}


@pytest.mark.parametrize("subject", [SUBJECT, None], ids=["identity", "email"])
def test_a_motion_is_supported_once_even_after_deleting_the_account(app, subject):
    with app.test_request_context(), force_locale("it"):
        motion = make_motion(make_body())
        first = _person(subject=subject)
        assert motions.support(first, motion) is True
        assert motions.support(first, motion) is False  # a double click
        db.session.commit()
        _delete(first)
        assert _count(MotionSupport) == 0 and _count(Voice) == 1

        again = _person(subject=subject)
        with pytest.raises(motions.MotionError, match="Hai già sostenuto questa mozione."):
            motions.support(again, motion)
        db.session.rollback()
        assert _count(MotionSupport) == 0 and _count(Voice) == 1

        someone_else = _person(email="marco@example.org", subject="ef" * 32 if subject else None)
        assert motions.support(someone_else, motion) is True
        db.session.commit()
        assert _count(MotionSupport) == 1 and _count(Voice) == 2


def test_withdrawing_a_support_gives_the_voice_back(app):
    with app.test_request_context():
        motion = make_motion(make_body())
        person = _person(subject=SUBJECT)
        assert motions.support(person, motion) is True
        assert motions.withdraw_support(person, motion) is True
        db.session.commit()
        assert _count(Voice) == 0
        assert motions.withdraw_support(person, motion) is False
        assert motions.support(person, motion) is True
        db.session.commit()
        assert _count(MotionSupport) == 1 and _count(Voice) == 1


def test_interest_is_declared_once_even_after_deleting_the_account(app):
    with app.test_request_context(), force_locale("it"):
        call = make_call()
        first = _person(subject=SUBJECT)
        _declare(call, first)
        _declare(call, first)  # changing one's own declaration is fine
        db.session.commit()
        assert _count(Declaration) == 1 and _count(Voice) == 1
        _delete(first)
        assert _count(Declaration) == 0 and _count(Voice) == 1

        again = _person(subject=SUBJECT)
        with pytest.raises(interest.InterestError, match=ALREADY_DECLARED):
            _declare(call, again)
        db.session.rollback()
        assert _count(Declaration) == 0


def test_withdrawing_a_declaration_gives_the_voice_back(app):
    with app.test_request_context():
        call = make_call()
        person = _person()
        _declare(call, person)
        interest.withdraw_declaration(call, person, utcnow())
        db.session.commit()
        assert _count(Voice) == 0
        declaration = _declare(call, person)  # renewing the withdrawn declaration claims the voice again
        db.session.commit()
        assert not declaration.is_withdrawn and _count(Voice) == 1


def test_two_simultaneous_claims_of_one_voice_give_one(app):
    """Two transactions (two connections) claim the same person's voice at once: the database lets one in."""
    with app.app_context():
        motion_id = make_motion(make_body()).id
        user_id = _person(subject=SUBJECT).id
    barrier = threading.Barrier(2)
    results: list[bool] = []

    def claim():
        with app.test_request_context():
            user = db.session.get(User, user_id)
            barrier.wait(timeout=TIMEOUT)
            results.append(eligibility.claim_voice("motion", motion_id, user))
            db.session.commit()
            db.session.remove()

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert sorted(results) == [False, True]
    with app.app_context():
        assert _count(Voice) == 1


@pytest.mark.slow
def test_twenty_parallel_supports_by_one_identity_store_one(gunicorn_server, in_db):
    def build():
        motion = make_motion(make_body())
        _person(subject=SUBJECT)
        return motion.id
    motion_id = in_db(build)
    base = gunicorn_server.url
    with requests.Session() as person:
        login = person.get(f"{base}/account/login", timeout=TIMEOUT).text
        logged = person.post(f"{base}/account/login", allow_redirects=False, timeout=TIMEOUT,
                             data={"email": "giulia@example.org", "password": PASSWORD,
                                   "csrf_token": token(login)})
        assert logged.status_code == 302
        page = person.get(f"{base}/motions/{motion_id}", timeout=TIMEOUT).text
        statuses = fire(f"{base}/motions/{motion_id}/support", person.cookies, {"csrf_token": token(page)})
        assert statuses == [302] * len(statuses), statuses
    assert in_db(_count, MotionSupport) == 1
    assert in_db(_count, Voice) == 1
