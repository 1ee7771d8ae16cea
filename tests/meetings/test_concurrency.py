"""Capacity under real concurrency: parallel RSVPs from many logged-in citizens against gunicorn (4
processes), on whichever database the suite runs on."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from civic.database import db
from civic.meetings.models import Meeting, Registration, RegistrationStatus
from tests.conftest import csrf_token
from tests.factories import make_user
from tests.meetings.factories import bulk_registrations, make_meeting
from tests.support.browsers import logged_in

pytestmark = pytest.mark.slow
TIMEOUT = 60


def fire_together(sessions_and_tokens, url: str) -> list[int]:
    """POST the RSVP form from every session at once (a barrier releases them together)."""
    barrier = threading.Barrier(len(sessions_and_tokens))

    def post(item):
        session, token = item
        barrier.wait(timeout=TIMEOUT)
        return session.post(url, data={"csrf_token": token, "category": "cittadini"}, timeout=TIMEOUT,
                            allow_redirects=False).status_code

    with ThreadPoolExecutor(max_workers=len(sessions_and_tokens)) as pool:
        return list(pool.map(post, sessions_and_tokens))


def counts(app, meeting_id: int) -> tuple[int, dict]:
    with app.app_context():
        counter = db.session.get(Meeting, meeting_id).confirmed_count
        by_status = dict(db.session.execute(
            select(Registration.status, func.count(Registration.id))
            .where(Registration.meeting_id == meeting_id).group_by(Registration.status)).all())
        db.session.remove()
    return counter, by_status


def test_parallel_rsvps_never_exceed_capacity_nor_duplicate_a_person(app, gunicorn_server):
    """Both acceptance scenarios against one server (starting gunicorn is the slow part)."""
    with app.app_context():
        last_seat = make_meeting(capacity=10).id
        bulk_registrations(last_seat, 9)  # one seat left
        roomy = make_meeting(capacity=5).id
        emails = [make_user().email for _ in range(50)]
    base = gunicorn_server.url

    # 1. Fifty citizens, each in a browser of their own, press "register" for the last seat together.
    url = f"{base}/meetings/{last_seat}/register"
    with ThreadPoolExecutor(max_workers=10) as pool:
        sessions = list(pool.map(lambda email: logged_in(base, email), emails))
        tokens = list(pool.map(lambda s: csrf_token(s.get(url, timeout=TIMEOUT).text), sessions))
    statuses = fire_together(list(zip(sessions, tokens, strict=True)), url)
    assert all(code < 500 for code in statuses), statuses
    assert statuses.count(302) == 50, statuses
    counter, by_status = counts(app, last_seat)
    assert by_status == {RegistrationStatus.CONFIRMED: 10, RegistrationStatus.WAITLISTED: 49}
    assert counter == 10

    # 2. One citizen sends twenty RSVPs at once: twenty tabs sharing one cookie jar.
    url = f"{base}/meetings/{roomy}/register"
    token = csrf_token(sessions[0].get(url, timeout=TIMEOUT).text)
    tabs = []
    for _ in range(20):
        tab = requests.Session()
        tab.cookies.update(sessions[0].cookies)
        tabs.append((tab, token))
    statuses = fire_together(tabs, url)
    assert all(code < 500 for code in statuses), statuses
    counter, by_status = counts(app, roomy)
    assert by_status == {RegistrationStatus.CONFIRMED: 1}
    assert counter == 1
