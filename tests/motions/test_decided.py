"""A motion's decision closes it: no support after the council decided (the demo's 2013 motion took them), and
a vote dated before the council session the motion is on the agenda of is refused with a translated message
next to the date, nothing stored (a motion entered years later is filed today: filing is no bound)."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from civic.database import db
from civic.motions.models import Motion, MotionStatus, MotionSupport
from tests.conftest import csrf_token, post_form
from tests.factories import PASSWORD, make_body, make_user
from tests.motions.factories import make_motion


@pytest.fixture
def motions(app):
    with app.app_context():
        body = make_body("municipio-ix-levante", "Municipio IX Levante")
        make_user("levante@example.org", councillor_of=body)
        make_user("giulia@example.org")
        decided = make_motion(body, "Biblioteca di Nervi", status=MotionStatus.APPROVED,
                              voted_on=dt.date(2013, 5, 16))
        scheduled = make_motion(body, "Orti urbani", status=MotionStatus.SCHEDULED,
                                filed_on=dt.date(2014, 1, 10), scheduled_for=dt.date(2014, 3, 1))
        filed = make_motion(body, "Piste ciclabili", filed_on=dt.date(2014, 2, 1))
        return {"decided": decided.id, "scheduled": scheduled.id, "filed": filed.id}


def test_a_decided_motion_takes_no_more_supports(app, client, auth, motions):
    auth.login("giulia@example.org", PASSWORD)
    page = client.get(f"/motions/{motions['decided']}").get_data(as_text=True)
    assert "Sostieni questa mozione" not in page and "non raccoglie più sostegni" in page
    response = client.post(f"/motions/{motions['decided']}/support", data={"csrf_token": csrf_token(page)},
                           follow_redirects=True)
    assert "Il Consiglio si è già espresso su questa mozione" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(MotionSupport.id))) == 0
    # A motion still waiting for its vote takes them.
    waiting = client.get(f"/motions/{motions['filed']}").get_data(as_text=True)
    assert "Sostieni questa mozione" in waiting


@pytest.mark.parametrize(("motion", "voted_on", "italian", "english"), [
    ("scheduled", "2014-02-27", "prima della seduta del Consiglio del 1 marzo 2014",
     "before the council session of March 1, 2014"),
])
def test_a_vote_dated_too_early_is_refused_and_nothing_changes(app, client, auth, motions, motion, voted_on,
                                                                italian, english):
    auth.login("levante@example.org", PASSWORD)
    vote = f"/manage/motions/{motions[motion]}/vote"
    response = post_form(client, vote, {"voted_on": voted_on, "result": "approved"})
    assert response.status_code == 422 and italian in response.get_data(as_text=True)
    assert english in post_form(client, f"{vote}?lang=en", {"voted_on": voted_on, "result": "approved"},
                                action=vote).get_data(as_text=True)
    with app.app_context():
        stored = db.session.get(Motion, motions[motion])
        assert stored.voted_on is None and stored.status != MotionStatus.APPROVED
    assert post_form(client, vote, {"voted_on": "2014-03-01", "result": "approved"}).status_code == 302
