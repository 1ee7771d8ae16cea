"""Who is signed in, and their councillor roles, cost one statement per page; a role granted or taken away,
and a sign-out, take effect at the very next page."""
from __future__ import annotations

import pytest
from sqlalchemy import delete

from civic.accounts.models import Councillorship
from civic.database import db
from tests.factories import PASSWORD, make_body, make_user
from tests.motions.factories import make_motion

# The motion list signed in: bodies (filter), motions, topics, proposers, count, the person with roles, and
# the unread notifications' count in the header.
SIGNED_IN_MOTION_LIST = 7


def _identity(statements: list[str]) -> list[str]:
    return [s for s in statements if "FROM users" in s or "FROM councillorships" in s]


@pytest.mark.parametrize("councillor", [False, True])
def test_a_signed_in_page_loads_the_person_and_roles_in_one_statement(app, client, auth, count_queries,
                                                                       councillor):
    with app.app_context():
        body = make_body()
        make_user("anna@example.org", councillor_of=body if councillor else None)
        make_motion(body, title="Piste ciclabili in Val Polcevera")
    auth.login("anna@example.org", PASSWORD)
    client.get("/motions/")  # the log-in message: rendered whole
    client.get("/motions/")  # a citizen's: the shared render made and kept
    with count_queries() as counter:
        page = client.get("/motions/").get_data(as_text=True)
    assert "Piste ciclabili in Val Polcevera" in page
    if councillor:  # rendered whole (management links): the person and roles in one statement
        assert len(_identity(counter.statements)) == 1, counter.statements
        assert counter.count == SIGNED_IN_MOTION_LIST, counter.statements
    else:  # the kept page, the person known to the process (tests/accounts/test_people_kept.py)
        assert counter.count == 0, counter.statements


def test_a_role_change_and_a_sign_out_take_effect_at_the_next_page(app, client, auth):
    with app.app_context():
        body = make_body()
        user_id, body_id = make_user("bruno@example.org", councillor_of=body).id, body.id
    auth.login("bruno@example.org", PASSWORD)
    assert client.get("/manage/").status_code == 200
    with app.app_context():
        db.session.execute(delete(Councillorship).where(Councillorship.user_id == user_id))
        db.session.commit()
    assert client.get("/manage/").status_code == 403
    with app.app_context():
        db.session.add(Councillorship(user_id=user_id, body_id=body_id))
        db.session.commit()
    assert client.get("/manage/").status_code == 200
    auth.logout()
    assert client.get("/manage/").status_code in (302, 303)  # to the login page
