"""One declaration per person per call, even when the same person's browser sends the form several times at
once to gunicorn (4 processes), on whichever database the suite runs on."""
from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from civic.database import db
from civic.interest.models import Declaration, DeclarationNeed
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.slow
TIMEOUT = 60
PARALLEL = 8


def test_parallel_submissions_by_one_person_make_one_declaration(in_app, call, gunicorn_server):
    with in_app():
        make_user(email="giulia@example.org")
    base = gunicorn_server.url
    browser = requests.Session()
    page = browser.get(f"{base}/account/login", timeout=TIMEOUT)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    response = browser.post(f"{base}/account/login", timeout=TIMEOUT, allow_redirects=False,
                            data={"email": "giulia@example.org", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', browser.get(
        f"{base}/interest/{call.id}", timeout=TIMEOUT).text).group(1)
    barrier = threading.Barrier(PARALLEL)

    def submit(days: int) -> int:
        tab = requests.Session()  # another tab of the same browser: the same cookies
        tab.cookies.update(browser.cookies)
        barrier.wait(timeout=TIMEOUT)
        return tab.post(f"{base}/interest/{call.id}", timeout=TIMEOUT, allow_redirects=False, data={
            "csrf_token": token, "role": "user", "profile": "student", "days_per_week": str(days % 8),
            "needs": ["hot_desk", "meeting_room"], "area": "0", "budget": "nothing",
            "horizon": "now"}).status_code

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        statuses = list(pool.map(submit, range(PARALLEL)))
    assert statuses == [303] * PARALLEL
    with in_app():
        assert db.session.scalar(select(func.count()).select_from(Declaration)) == 1
        assert db.session.scalar(select(func.count()).select_from(DeclarationNeed)) == 2
