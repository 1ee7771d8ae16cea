"""Security events (ASVS 7.1, 7.2): what is recorded for sign-ins, sign-outs, resets, e-mail and role changes,
refused management pages; the administrators' page with its filters; the hook other features call."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from civic.accounts.models import User
from civic.audit.models import SecurityEvent
from civic.audit.services import security_event
from civic.database import db
from tests.conftest import AuthActions, post_form
from tests.factories import make_body, make_user
from tests.support.mail import last_link

PAGE = "/manage/admin/security"


@pytest.fixture
def people(app):
    with app.app_context():
        body = make_body(slug="municipio-ix")
        ids = {"admin": make_user(email="admin@example.org", name="Ada Admin", admin=True).id,
               "citizen": make_user(email="carlo@example.org", name="Carlo Cittadino").id,
               "body": body.id}
    return ids


def events(app) -> list[tuple[str, int | None, str]]:
    with app.app_context():
        return [(e.kind, e.user_id, e.detail)
                for e in db.session.scalars(select(SecurityEvent).order_by(SecurityEvent.id))]


def test_account_events_are_recorded(app, client, people):
    auth = AuthActions(client)
    auth.login("carlo@example.org", "a wrong password!")
    auth.login("carlo@example.org")
    assert client.get("/manage/").status_code == 403
    auth.logout()
    post_form(client, "/account/reset", {"email": "carlo@example.org"})
    link = last_link(app, "carlo@example.org", "/account/reset/")
    target = client.get(link, follow_redirects=True).request.path
    post_form(client, target, {"password": "a long new sentence of mine", "password_confirm":
                               "a long new sentence of mine"})
    admin = app.test_client()
    AuthActions(admin).login("admin@example.org")
    post_form(admin, f"/manage/admin/users/{people['citizen']}/roles",
              {"role": "councillor", "body": str(people["body"]), "action": "grant"})
    citizen = people["citizen"]
    assert [(kind, user) for kind, user, _detail in events(app)] == [
        ("sign_in.failure", citizen), ("sign_in.success", citizen), ("access.refused", citizen),
        ("sign_out", citizen), ("password_reset.asked", citizen), ("password_reset.used", citizen),
        ("sign_in.success", people["admin"]), ("role.changed", citizen)]
    details = dict((kind, detail) for kind, _user, detail in events(app))
    assert details["access.refused"] == "/manage/"
    assert details["role.changed"] == f"grant councillor of municipio-ix by #{people['admin']}"


def test_the_page_filters_by_kind_person_and_dates_and_is_for_admins_only(app, client, people):
    with app.app_context():
        carlo = db.session.get(User, people["citizen"])
        for n in range(3):
            event = security_event("sign_in.failure", carlo)
            event.at = dt.datetime(2026, 3, 10 + n, 12, tzinfo=dt.UTC)
        security_event("census.verified", None, detail="body 3")  # a feature's own kind
        db.session.commit()
    assert AuthActions(client).login("carlo@example.org").status_code == 302
    assert client.get(PAGE).status_code == 403
    AuthActions(client).logout()
    AuthActions(client).login("admin@example.org")

    page = client.get(PAGE).get_data(as_text=True)
    assert "census.verified" in page and "Carlo Cittadino" in page
    by_kind = client.get(PAGE + "?kind=census.verified").get_data(as_text=True)
    assert "census.verified" in by_kind and "Carlo Cittadino" not in by_kind
    by_person = client.get(PAGE + "?person=carlo@example.org&kind=sign_in.failure").get_data(as_text=True)
    assert "3 eventi di sicurezza" in by_person
    by_dates = client.get(PAGE + "?kind=sign_in.failure&start=2026-03-11&end=2026-03-11")
    by_dates = by_dates.get_data(as_text=True)
    assert "1 eventi di sicurezza" in by_dates
    nobody = client.get(PAGE + "?person=nobody@example.org").get_data(as_text=True)
    assert "0 eventi di sicurezza" in nobody


def test_bad_filters_are_explained_not_a_500(app, client, people):
    AuthActions(client).login("admin@example.org")
    response = client.get(PAGE + "?start=2026-03-12&end=2026-03-01")
    assert response.status_code == 422
    assert "La data di fine non può precedere la data di inizio." in response.get_data(as_text=True)
    assert client.get(PAGE + "?start=yesterday").status_code == 422


def test_the_page_costs_the_same_queries_for_few_and_many(app, client, people, count_queries):
    AuthActions(client).login("admin@example.org")

    def measure() -> int:
        with count_queries() as counter:
            assert client.get(PAGE).status_code == 200
        return counter.count

    small = measure()
    with app.app_context():
        for _ in range(20):
            security_event("sign_in.success", make_user())
        db.session.commit()
    assert measure() == small


def test_a_kind_must_be_a_dotted_lower_case_name(app_ctx):
    with pytest.raises(ValueError):
        security_event("Sign in!", None)

