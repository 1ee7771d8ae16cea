"""The W3C Nu checker finds the new pages valid HTML: the notifications list (empty and full), the preferences
(and with an error), the unsubscribe confirmation, its result and a forged link, the follow button."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from civic.accounts.models import User
from civic.core.features import Happening, announce
from civic.database import db
from civic.notifications.services import start_following, unsubscribe_token
from tests.conftest import AuthActions, post_form
from tests.factories import make_body, make_user
from tests.motions.factories import make_motion
from tests.support.checks import assert_valid_html


@pytest.mark.html
def test_the_notification_pages_are_valid_html(app, client):
    with app.app_context():
        user = make_user("giulia@example.org")
        motion_id = make_motion(make_body(), title="Coworking a Quarto").id
        user_id = user.id
        token = unsubscribe_token(user_id)
    AuthActions(client).login("giulia@example.org")
    pages = {"empty list": client.get("/notifications/"),
             "motion (follow)": client.get(f"/motions/{motion_id}")}
    with app.app_context():
        start_following(user_id, "motion", motion_id)
        announce(Happening("motion.milestone", "motion", motion_id, "Tavolo di lavoro"))
        db.session.commit()
        assert db.session.scalar(select(User.id).where(User.email == "giulia@example.org")) == user_id
    pages.update({
        "motion (unfollow)": client.get(f"/motions/{motion_id}"),
        "list": client.get("/notifications/"),
        "list (en)": client.get("/notifications/?lang=en"),
        "preferences": client.get("/notifications/preferences"),
        "preferences with an error": post_form(client, "/notifications/preferences",
                                               {"kind-motion-voted": "x"}),
    })
    anonymous = app.test_client()
    pages.update({
        "unsubscribe": anonymous.get(f"/notifications/unsubscribe/{token}?kind=motion.voted"),
        "unsubscribed": anonymous.post(f"/notifications/unsubscribe/{token}"),
        "forged": anonymous.get("/notifications/unsubscribe/forged"),
    })
    assert pages["preferences with an error"].status_code == 422
    assert_valid_html({name: response.get_data(as_text=True) for name, response in pages.items()})
