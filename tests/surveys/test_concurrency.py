"""Twenty parallel submits of one questionnaire against gunicorn (four worker processes, the test database)
store one response: the participation ledger's unique index decides, whatever the timing. The server holds
anonymous responses for a batch (the default size), so the one response is counted once released."""
from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.factories import PASSWORD
from tests.surveys.factories import good_answers
from tests.surveys.support import counts, release_held

TIMEOUT = 60
PARALLEL = 20


def _token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _fire(url: str, cookies, data: dict) -> list[int]:
    """POST the same form from PARALLEL threads at once, each with its own connection and a copy of the
    browser's cookies (a double click, F5, several tabs)."""
    barrier = threading.Barrier(PARALLEL)

    def post(_n):
        with requests.Session() as session:
            session.cookies.update(cookies)
            barrier.wait(timeout=TIMEOUT)
            return session.post(url, data=data, allow_redirects=False, timeout=TIMEOUT).status_code

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        return list(pool.map(post, range(PARALLEL)))


@pytest.mark.slow
def test_twenty_parallel_submits_store_one_response_per_account_and_per_browser(gunicorn_server, novi, in_db):
    url = f"{gunicorn_server.url}/surveys/{novi.id}"
    data = good_answers(novi.q)

    with requests.Session() as citizen:
        login = citizen.get(f"{gunicorn_server.url}/account/login", timeout=TIMEOUT).text
        logged = citizen.post(f"{gunicorn_server.url}/account/login", allow_redirects=False, timeout=TIMEOUT,
                              data={"email": novi.citizen, "password": PASSWORD, "csrf_token": _token(login)})
        assert logged.status_code == 302
        form = citizen.get(url, timeout=TIMEOUT).text
        statuses = _fire(url, citizen.cookies, {"csrf_token": _token(form), **data})
    assert statuses == [302] * PARALLEL, statuses
    assert in_db(counts) == (0, 0, 1)  # held until a batch is complete
    assert in_db(release_held, novi.id) == 1
    assert in_db(counts) == (1, 14, 1)

    with requests.Session() as browser:  # no account: the browser's token cookie identifies it
        form = browser.get(url, timeout=TIMEOUT).text
        assert "civic_survey_token" in browser.cookies
        statuses = _fire(url, browser.cookies, {"csrf_token": _token(form), **data})
        assert statuses == [302] * PARALLEL, statuses
        assert "Hai già risposto" in browser.get(url, timeout=TIMEOUT).text
    assert in_db(release_held, novi.id) == 1
    assert in_db(counts) == (2, 28, 2)
