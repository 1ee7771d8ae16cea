"""Quotas and companions under real concurrency: parallel RSVPs with companions, in a category with a quota
and in one without, against gunicorn (4 processes), on whichever database the suite runs on. The counters
must equal the seats of the confirmed rows, never pass the capacity or the quota, and nobody may wait who
would have fitted."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from civic.database import db
from civic.meetings.models import Meeting, Quota, Registration, RegistrationStatus
from tests.conftest import csrf_token
from tests.factories import make_user
from tests.meetings.factories import make_meeting
from tests.support.browsers import logged_in

pytestmark = pytest.mark.slow
TIMEOUT = 60
CAPACITY = 20
RESIDENT_SEATS = 7


def test_parallel_rsvps_with_companions_keep_capacity_and_quota_exact(app, gunicorn_server):
    with app.app_context():
        meeting = make_meeting(capacity=CAPACITY, companions_max=2)
        meeting.quotas.append(Quota(category="cittadini", seats=RESIDENT_SEATS, taken=0))
        db.session.commit()
        meeting_id = meeting.id
        # 24 residents (1, 2 or 3 seats each) and 12 business owners (2 or 3 seats) press at once.
        requests_ = [(make_user().email, "cittadini", i % 3) for i in range(24)]
        requests_ += [(make_user().email, "imprenditori", 1 + i % 2) for i in range(12)]
    base = gunicorn_server.url
    url = f"{base}/meetings/{meeting_id}/register"
    with ThreadPoolExecutor(max_workers=10) as pool:
        sessions = list(pool.map(lambda item: logged_in(base, item[0]), requests_))
        tokens = list(pool.map(lambda s: csrf_token(s.get(url, timeout=TIMEOUT).text), sessions))
    barrier = threading.Barrier(len(sessions))

    def post(index: int) -> int:
        _email, category, companions = requests_[index]
        barrier.wait(timeout=TIMEOUT)
        return sessions[index].post(url, data={"csrf_token": tokens[index], "category": category,
                                               "companions": str(companions)},
                                    timeout=TIMEOUT, allow_redirects=False).status_code

    with ThreadPoolExecutor(max_workers=len(sessions)) as pool:
        statuses = list(pool.map(post, range(len(sessions))))
    assert statuses.count(302) == len(sessions), statuses

    with app.app_context():
        counter = db.session.get(Meeting, meeting_id).confirmed_count
        taken = db.session.scalar(select(Quota.taken).where(Quota.meeting_id == meeting_id))
        rows = db.session.execute(select(Registration.category, Registration.companions, Registration.status)
                                  .where(Registration.meeting_id == meeting_id)).all()
        db.session.remove()
    assert len(rows) == len(requests_)
    confirmed = [(category, 1 + companions) for category, companions, status in rows
                 if status == RegistrationStatus.CONFIRMED]
    seats = sum(size for _category, size in confirmed)
    resident_seats = sum(size for category, size in confirmed if category == "cittadini")
    assert counter == seats <= CAPACITY
    assert taken == resident_seats <= RESIDENT_SEATS
    # Nobody waits who would fit in what is left (seats only ever went down during the race).
    for category, companions, status in rows:
        if status == RegistrationStatus.WAITLISTED:
            room = CAPACITY - seats
            if category == "cittadini":
                room = min(room, RESIDENT_SEATS - resident_seats)
            assert 1 + companions > room, (category, companions, seats, resident_seats)
    assert {status for _c, _n, status in rows} == {RegistrationStatus.CONFIRMED,
                                                   RegistrationStatus.WAITLISTED}
