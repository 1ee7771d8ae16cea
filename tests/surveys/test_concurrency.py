"""Twenty parallel submits of one questionnaire against gunicorn (four worker processes, the test database)
store one response: the participation ledger's unique index decides, whatever the timing. The server holds
anonymous responses for a batch (the default size), so the one response is counted once released."""
from __future__ import annotations

import pytest
import requests

from tests.factories import PASSWORD
from tests.surveys.concurrency_support import PARALLEL, fire, token
from tests.surveys.factories import good_answers
from tests.surveys.support import counts, release_held

TIMEOUT = 60


@pytest.mark.slow
def test_twenty_parallel_submits_store_one_response_per_account_and_per_browser(gunicorn_server, novi, in_db):
    url = f"{gunicorn_server.url}/surveys/{novi.id}"
    data = good_answers(novi.q)

    with requests.Session() as citizen:
        login = citizen.get(f"{gunicorn_server.url}/account/login", timeout=TIMEOUT).text
        logged = citizen.post(f"{gunicorn_server.url}/account/login", allow_redirects=False, timeout=TIMEOUT,
                              data={"email": novi.citizen, "password": PASSWORD, "csrf_token": token(login)})
        assert logged.status_code == 302
        form = citizen.get(url, timeout=TIMEOUT).text
        statuses = fire(url, citizen.cookies, {"csrf_token": token(form), **data})
    assert statuses == [302] * PARALLEL, statuses
    assert in_db(counts) == (0, 0, 1)  # held until a batch is complete
    assert in_db(release_held, novi.id) == 1
    assert in_db(counts) == (1, 14, 1)

    with requests.Session() as browser:  # no account: the browser's token cookie identifies it
        form = browser.get(url, timeout=TIMEOUT).text
        assert "civic_survey_token" in browser.cookies
        statuses = fire(url, browser.cookies, {"csrf_token": token(form), **data})
        assert statuses == [302] * PARALLEL, statuses
        assert "Hai già risposto" in browser.get(url, timeout=TIMEOUT).text
    assert in_db(release_held, novi.id) == 1
    assert in_db(counts) == (2, 28, 2)
