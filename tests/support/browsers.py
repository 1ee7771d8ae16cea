"""A person's own browser against a server started by the tests: a requests session with its cookie jar."""
from __future__ import annotations

import requests

from tests.conftest import csrf_token
from tests.factories import PASSWORD

TIMEOUT = 60


def logged_in(base: str, email: str, password: str = PASSWORD) -> requests.Session:
    """A browser of its own, signed in through the real login form (its CSRF token, its cookie)."""
    session = requests.Session()
    page = session.get(f"{base}/account/login", timeout=TIMEOUT)
    response = session.post(f"{base}/account/login", timeout=TIMEOUT, allow_redirects=False,
                            data={"email": email, "password": password, "csrf_token": csrf_token(page.text)})
    assert response.status_code == 302, response.text[:500]
    return session
