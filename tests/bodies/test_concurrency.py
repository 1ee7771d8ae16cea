"""Administrators creating the same body at the same instant, against gunicorn (4 processes), on whichever
database the suite runs on: one body, the others get the form's message, nobody a 500."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from civic.audit.models import AuditEntry
from civic.bodies.models import Body
from civic.database import db
from tests.conftest import csrf_token
from tests.factories import make_user
from tests.support.browsers import logged_in

pytestmark = pytest.mark.slow
TIMEOUT = 60
ADMINS = 6
TAKEN = "Questo nome breve è già usato da un altro ente."


def create_together(sessions: list[requests.Session], url: str, slug: str) -> list[requests.Response]:
    """Every administrator opens the form, then all submit the same short name at once."""
    tokens = [csrf_token(session.get(url, timeout=TIMEOUT).text) for session in sessions]
    barrier = threading.Barrier(len(sessions))

    def post(index: int) -> requests.Response:
        barrier.wait(timeout=TIMEOUT)
        return sessions[index].post(url, timeout=TIMEOUT, allow_redirects=False, data={
            "csrf_token": tokens[index], "name": f"Ente {index}", "slug": slug, "parent": "0",
            "website": "", "data_licence": "CC-BY-4.0"})

    with ThreadPoolExecutor(max_workers=len(sessions)) as pool:
        return list(pool.map(post, range(len(sessions))))


def test_the_same_short_name_submitted_at_once_makes_one_body(app, gunicorn_server):
    with app.app_context():
        emails = [make_user(admin=True).email for _ in range(ADMINS)]
    base = gunicorn_server.url
    with ThreadPoolExecutor(max_workers=ADMINS) as pool:
        sessions = list(pool.map(lambda email: logged_in(base, email), emails))

    slugs = [f"municipio-{n}" for n in range(1, 6)]
    for slug in slugs:
        responses = create_together(sessions, f"{base}/manage/admin/bodies/new", slug)
        codes = sorted(response.status_code for response in responses)
        assert codes == [302] + [422] * (ADMINS - 1), codes
        for response in responses:
            if response.status_code == 422:
                assert TAKEN in response.text

    with app.app_context():
        stored = db.session.execute(select(Body.slug, func.count()).group_by(Body.slug)).all()
        audited = db.session.scalar(select(func.count()).where(AuditEntry.action == "body.create"))
        db.session.remove()
    assert sorted(stored) == [(slug, 1) for slug in slugs]
    assert audited == len(slugs)
