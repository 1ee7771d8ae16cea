"""A citizen declares interest in a call, changes and withdraws the declaration, through the real forms."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from civic.accounts.services import find_by_email as find_user
from civic.consultations.models import ConsultationStatus
from civic.database import db, utcnow
from civic.interest.models import Declaration, DeclarationNeed, InterestCall, Need, Role
from tests.conftest import csrf_token, post_form
from tests.consultations.factories import make_consultation
from tests.factories import make_body, make_user
from tests.interest.conftest import describe_call
from tests.interest.factories import make_call, make_declaration


def form_data(**overrides) -> dict:
    data = {"role": "user", "profile": "freelance", "sector": "grafica", "days_per_week": "3",
            "needs": ["hot_desk", "meeting_room"], "area": "0", "budget": "50_100", "horizon": "3_months",
            "manager_experience": "", "manager_offer": "", "notes": ""}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def declarations(in_app):
    """The declarations stored now, detached, with their needs."""
    def read():
        with in_app():
            rows = db.session.scalars(select(Declaration).options(selectinload(Declaration.needs))).all()
            db.session.expunge_all()
            return rows
    return read


def test_anyone_reads_the_call_and_is_asked_to_log_in(client, call):
    page = client.get(f"/interest/{call.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert call.title in html and "Centro storico" in html and "<strong>spazio</strong>" in html
    assert f"/account/login?next=/interest/{call.id}" in html
    assert 'name="profile"' not in html  # no form without an account


def test_a_citizen_declares_edits_and_withdraws(client, auth, call, citizen, declarations, in_app):
    auth.login(citizen)
    area_id = call.area_ids[1]
    response = post_form(client, f"/interest/{call.id}", form_data(area=str(area_id), contact_consent="y"))
    assert response.status_code == 303
    page = client.get(f"/interest/{call.id}?lang=en").get_data(as_text=True)
    assert "Grazie: la tua manifestazione di interesse è stata registrata." in page  # flashed in Italian
    [declaration] = declarations()
    assert ((declaration.role, declaration.profile.value, declaration.days_per_week)
            == (Role.USER, "freelance", 3))
    assert declaration.area_id == area_id and declaration.contact_consent
    assert sorted(declaration.need_values) == [Need.HOT_DESK, Need.MEETING_ROOM]
    assert "<dd class=\"col-sm-8\">Stazione</dd>" in page and "Hot desk, Meeting room" in page  # as declared

    # Editing changes the same row: other needs, no consent, another role.
    response = post_form(client, f"/interest/{call.id}", form_data(
        role="both", needs=["private_office"], days_per_week="5", manager_experience="Gestisco un fablab."))
    assert response.status_code == 303
    [declaration] = declarations()
    assert (declaration.role == Role.BOTH and declaration.days_per_week == 5
            and not declaration.contact_consent)
    assert declaration.need_values == [Need.PRIVATE_OFFICE]
    assert declaration.manager_experience == "Gestisco un fablab."
    with in_app():
        assert db.session.scalar(select(func.count()).select_from(DeclarationNeed)) == 1

    response = post_form(client, f"/interest/{call.id}", {}, action=f"/interest/{call.id}/withdraw")
    assert response.status_code == 303
    [declaration] = declarations()
    assert declaration.withdrawn_at is not None and not declaration.contact_consent
    page = client.get(f"/interest/{call.id}?lang=en").get_data(as_text=True)
    assert "You withdrew your declaration" in page and "You can declare again below." in page

    # Declaring again renews the same row.
    post_form(client, f"/interest/{call.id}", form_data())
    [declaration] = declarations()
    assert declaration.withdrawn_at is None


def test_the_page_is_in_italian_and_confirms_the_declaration(client, auth, call, citizen):
    auth.login(citizen)
    response = post_form(client, f"/interest/{call.id}", form_data(), follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "La tua manifestazione di interesse" in html
    assert "Ritira la mia manifestazione di interesse" in html


def test_an_unconfirmed_account_cannot_declare(client, auth, call, in_app, declarations):
    with in_app():
        make_user(email="new@example.org", confirmed=False)
    auth.login("new@example.org")
    page = client.get(f"/interest/{call.id}").get_data(as_text=True)
    assert 'name="profile"' not in page
    response = post_form(client, f"/interest/{call.id}", form_data())
    assert response.status_code == 302 and "/account/" in response.headers["Location"]
    assert declarations() == []


def test_anonymous_posts_go_to_the_login_page(client, call, declarations):
    response = client.post(f"/interest/{call.id}", data=form_data())
    assert response.status_code in (302, 400)
    assert declarations() == []


@pytest.mark.parametrize("overrides, message", [
    ({"role": None}, "Choose how you would take part."),
    ({"profile": None}, "Choose the profile that fits you best."),
    ({"profile": "astronaut"}, "Choose the profile that fits you best."),
    ({"budget": None}, "Choose a budget band."),
    ({"horizon": "tomorrow"}, "Choose when you could start."),
    ({"days_per_week": "9"}, "Choose a number of days from 0 to 7."),
    ({"days_per_week": "many"}, "Choose a number of days from 0 to 7."),
    ({"needs": ["hot_desk", "jacuzzi"]}, "Choose needs from the list."),
    ({"area": "999999"}, "Choose an area from the list."),
    ({"role": "manager", "manager_experience": "  "}, "Tell us briefly about your experience"),
    ({"notes": "x" * 2001}, "Write at most 2000 characters."),
])
def test_bad_input_gets_a_clear_message_and_stores_nothing(client, auth, call, citizen, declarations,
                                                          overrides, message):
    auth.login(citizen)
    response = post_form(client, f"/interest/{call.id}?lang=en", form_data(**overrides))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert declarations() == []


def test_an_area_of_another_call_is_refused(client, auth, call, citizen, declarations, in_app):
    with in_app():
        other_area = make_call().areas[0].id
    auth.login(citizen)
    response = post_form(client, f"/interest/{call.id}?lang=en", form_data(area=str(other_area)))
    assert response.status_code == 422 and "Choose an area from the list." in response.get_data(as_text=True)
    assert declarations() == []


def test_a_call_for_users_only_refuses_managers_and_keeps_no_manager_text(client, auth, citizen, in_app,
                                                                         declarations):
    with in_app():
        call = describe_call(make_call(asks_for=Role.USER))
    auth.login(citizen)
    page = client.get(f"/interest/{call.id}").get_data(as_text=True)
    assert 'value="manager"' not in page and 'name="manager_experience"' not in page
    response = post_form(client, f"/interest/{call.id}", form_data(role="manager", manager_experience="Io"))
    assert response.status_code == 422
    response = post_form(client, f"/interest/{call.id}",
                         form_data(role="user", manager_experience="Io gestirei"))
    assert response.status_code == 303
    [declaration] = declarations()
    assert declaration.role == Role.USER and declaration.manager_experience == ""


def test_after_closing_nothing_can_be_changed(client, auth, call, citizen, declarations, in_app):
    with in_app():
        stored = db.session.get(InterestCall, call.id)
        declaration_id = make_declaration(stored, find_user(citizen), days_per_week=2).id
        stored.opens_at = utcnow() - dt.timedelta(days=3)
        stored.closes_at = utcnow() - dt.timedelta(minutes=1)
        db.session.commit()
    auth.login(citizen)
    page = client.get(f"/interest/{call.id}?lang=en").get_data(as_text=True)
    assert 'name="profile"' not in page and "can no longer be changed" in page
    token = csrf_token(client.get("/").get_data(as_text=True))  # any page carries the session's token
    response = client.post(f"/interest/{call.id}?lang=en",
                           data={**form_data(days_per_week="6"), "csrf_token": token})
    assert response.status_code == 409
    assert "This call closed on" in response.get_data(as_text=True)
    response = client.post(f"/interest/{call.id}/withdraw?lang=en", data={"csrf_token": token})
    assert response.status_code == 409 and "This call closed on" in response.get_data(as_text=True)
    [stored] = declarations()
    assert stored.id == declaration_id and stored.days_per_week == 2 and stored.withdrawn_at is None


def test_before_opening_the_page_says_when(client, auth, citizen, in_app, declarations):
    with in_app():
        call = describe_call(make_call(opens_at=utcnow() + dt.timedelta(days=2),
                                       closes_at=utcnow() + dt.timedelta(days=9)))
    auth.login(citizen)
    token = csrf_token(client.get("/").get_data(as_text=True))
    response = client.post(f"/interest/{call.id}?lang=en", data={**form_data(), "csrf_token": token})
    assert response.status_code == 409 and "This call opens on" in response.get_data(as_text=True)
    assert declarations() == []


def test_a_call_of_a_draft_consultation_is_invisible_to_the_public(client, auth, in_app):
    with in_app():
        body = make_body()
        call = describe_call(make_call(make_consultation(body, status=ConsultationStatus.DRAFT)))
        make_user(email="own@example.org", councillor_of=body)
        make_user(email="other@example.org", councillor_of=make_body())
        make_user(email="giulia@example.org")
    for path in (f"/interest/{call.id}", f"/interest/{call.id}/summary"):
        assert client.get(path).status_code == 404
    assert call.title not in client.get("/interest/").get_data(as_text=True)
    auth.login("giulia@example.org")
    assert client.get(f"/interest/{call.id}").status_code == 404
    auth.logout()
    auth.login("other@example.org")
    assert client.get(f"/interest/{call.id}").status_code == 404
    auth.logout()
    auth.login("own@example.org")
    assert client.get(f"/interest/{call.id}").status_code == 200


def test_a_declaration_without_csrf_token_is_refused(client, auth, call, citizen, declarations):
    auth.login(citizen)
    response = client.post(f"/interest/{call.id}", data=form_data())
    assert response.status_code == 400
    assert declarations() == []


def test_the_list_of_calls_shows_public_calls(client, call):
    html = client.get("/interest/").get_data(as_text=True)
    assert call.title in html and f"/interest/{call.id}" in html
