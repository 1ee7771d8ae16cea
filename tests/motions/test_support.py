"""Citizens support a motion once: a second support or a double click changes nothing and says so, on one
server process and on four (gunicorn), on whichever database the suite runs on."""
from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from civic.database import db
from civic.motions.models import MotionStatus, MotionSupport
from tests.conftest import post_form
from tests.factories import PASSWORD, make_body, make_user
from tests.motions.factories import make_motion

TIMEOUT = 60


def _supports(app, motion_id: int) -> int:
    with app.app_context():
        count = db.session.scalar(
            select(func.count(MotionSupport.id)).where(MotionSupport.motion_id == motion_id))
        db.session.remove()
    return count


@pytest.fixture
def motion_id(app):
    with app.app_context():
        make_user("giulia@example.org")
        return make_motion(make_body()).id


def test_support_twice_then_withdraw(app, client, auth, motion_id):
    auth.login("giulia@example.org", PASSWORD)
    page = f"/motions/{motion_id}"
    first = post_form(client, page, {}, action=f"{page}/support",
                      follow_redirects=True).get_data(as_text=True)
    assert "Grazie: sostieni questa mozione." in first
    assert "1 persona sostiene questa mozione." in first
    assert "Ritira il mio sostegno" in first
    second = client.post(f"{page}/support", data={"csrf_token": re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', first).group(1)},
        follow_redirects=True).get_data(as_text=True)
    assert "Sostieni già questa mozione." in second
    assert "1 persona sostiene questa mozione." in second
    assert _supports(app, motion_id) == 1

    withdrawn = post_form(client, page, {}, action=f"{page}/support/withdraw", follow_redirects=True)
    assert "Non sostieni più questa mozione." in withdrawn.get_data(as_text=True)
    assert "0 persone sostengono questa mozione." in withdrawn.get_data(as_text=True)
    assert _supports(app, motion_id) == 0


def test_anonymous_and_unconfirmed_people_cannot_support(app, client, auth, motion_id):
    page = client.get(f"/motions/{motion_id}").get_data(as_text=True)
    assert "Accedi per sostenere questa mozione" in page
    response = client.post(f"/motions/{motion_id}/support", data={})
    assert response.status_code in (302, 400)
    with app.app_context():
        make_user("new@example.org", confirmed=False)
    auth.login("new@example.org", PASSWORD)
    page = client.get(f"/motions/{motion_id}").get_data(as_text=True)
    assert "Conferma il tuo indirizzo e-mail per sostenere le mozioni." in page
    response = post_form(client, f"/motions/{motion_id}", {}, action=f"/motions/{motion_id}/support")
    assert response.status_code == 302 and "/account/" in response.headers["Location"]
    assert _supports(app, motion_id) == 0


def test_support_without_csrf_token_changes_nothing(app, client, auth, motion_id):
    auth.login("giulia@example.org", PASSWORD)
    response = client.post(f"/motions/{motion_id}/support", data={})
    assert response.status_code == 400
    assert _supports(app, motion_id) == 0


def test_withdrawn_and_draft_motions_cannot_be_supported(app, client, auth):
    with app.app_context():
        make_user("giulia@example.org")
        body = make_body()
        withdrawn = make_motion(body, status=MotionStatus.WITHDRAWN).id
        draft = make_motion(body, status=MotionStatus.DRAFT).id
    auth.login("giulia@example.org", PASSWORD)
    page = client.get(f"/motions/{withdrawn}").get_data(as_text=True)
    assert "Sostieni questa mozione" not in page
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(f"/motions/{withdrawn}/support", data={"csrf_token": token}, follow_redirects=True)
    assert "Questa mozione non può essere sostenuta." in response.get_data(as_text=True)
    assert client.post(f"/motions/{draft}/support", data={"csrf_token": token}).status_code == 404
    assert _supports(app, withdrawn) == 0 and _supports(app, draft) == 0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _browser():
    """An opener with a cookie jar of its own that does not follow redirects (a 302 is an answer here)."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                         _NoRedirect())

    def request(url: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with opener.open(url, data=body, timeout=TIMEOUT) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    return request


def _token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


@pytest.mark.slow
def test_twenty_parallel_supports_from_one_citizen_make_one_row(app, gunicorn_server, motion_id):
    base = gunicorn_server.url
    browser = _browser()
    _status, login_page = browser(f"{base}/account/login")
    status, _html = browser(f"{base}/account/login", {"email": "giulia@example.org", "password": PASSWORD,
                                                      "csrf_token": _token(login_page)})
    assert status == 302
    _status, page = browser(f"{base}/motions/{motion_id}")
    token = _token(page)
    barrier = threading.Barrier(20)

    def support(_n):
        barrier.wait(timeout=TIMEOUT)
        return browser(f"{base}/motions/{motion_id}/support", {"csrf_token": token})[0]

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(support, range(20)))
    assert statuses == [302] * 20, statuses
    assert _supports(app, motion_id) == 1
    _status, page = browser(f"{base}/motions/{motion_id}")
    assert "1 persona sostiene questa mozione." in page
