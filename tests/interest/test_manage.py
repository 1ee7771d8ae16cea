"""Councillors create, edit, open and close calls under /manage/interest/; only for their own body."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from civic.audit.models import AuditEntry
from civic.database import UTC, db, utcnow
from civic.interest.models import InterestArea, InterestCall, Role
from tests.conftest import csrf_token, post_form
from tests.consultations.factories import make_consultation
from tests.factories import make_body, make_user
from tests.interest.factories import make_declaration

EN = "?lang=en"


@pytest.fixture
def setting(in_app):
    with in_app():
        body = make_body(name="Comune di Novi Ligure")
        consultation = make_consultation(body, title="Coworking a Novi")
        other_consultation = make_consultation(make_body(), title="Altro comune")
        make_user(email="novi@example.org", councillor_of=body)
        make_user(email="other@example.org", councillor_of=other_consultation.body)
        make_user(email="citizen@example.org")
        return {"consultation": consultation.id, "other": other_consultation.id}


def call_form(consultation_id: int, **overrides) -> dict:
    data = {"consultation": str(consultation_id), "title": "Manifestazione di interesse per il coworking",
            "description": "Cerchiamo **utenti** e gestori.", "asks_for": "both",
            "areas": "Centro storico\n  Stazione  \n\nBiblioteca Civica", "opens_at": "2030-02-14T09:00",
            "closes_at": "2030-03-31T18:30"}
    data.update(overrides)
    return data


def calls(in_app) -> list[InterestCall]:
    with in_app():
        # Loaded now, so the rows are still readable once detached.
        rows = db.session.scalars(select(InterestCall).options(
            selectinload(InterestCall.areas), selectinload(InterestCall.consultation))).all()
        db.session.expunge_all()
        return rows


def test_a_councillor_creates_a_call_in_italian_time(client, auth, setting, in_app):
    auth.login("novi@example.org")
    response = post_form(client, "/manage/interest/new" + EN, call_form(setting["consultation"]))
    assert response.status_code == 303
    [call] = calls(in_app)
    assert [area.name for area in call.areas] == ["Centro storico", "Stazione", "Biblioteca Civica"]
    assert call.opens_at == dt.datetime(2030, 2, 14, 8, 0, tzinfo=UTC)  # 09:00 in Rome, winter time
    assert call.closes_at == dt.datetime(2030, 3, 31, 16, 30, tzinfo=UTC)  # 18:30 in Rome, summer time
    assert call.asks_for == Role.BOTH
    listing = client.get("/manage/interest/" + EN).get_data(as_text=True)
    assert "Manifestazione di interesse per il coworking" in listing and "Not open yet" in listing
    with in_app():
        assert db.session.scalar(select(AuditEntry.action)) == "interest.call.create"


@pytest.mark.parametrize("overrides, message", [
    ({"title": ""}, "Enter the title."),
    ({"areas": " \n "}, "Enter at least one area."),
    ({"areas": "Centro\ncentro"}, "Each area can be listed only once."),
    ({"closes_at": "2030-02-14T08:00"}, "The call must close after it opens."),
    ({"opens_at": "14 febbraio"}, "Enter a date and time, like 2015-02-14 09:00."),
    ({"asks_for": "everyone"}, "Choose whom the call asks for."),
])
def test_bad_input_is_explained_and_nothing_is_stored(client, auth, setting, in_app, overrides, message):
    auth.login("novi@example.org")
    response = post_form(client, "/manage/interest/new" + EN, call_form(setting["consultation"], **overrides))
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert calls(in_app) == []


def test_a_call_cannot_be_placed_in_another_bodys_consultation(client, auth, setting, in_app):
    auth.login("novi@example.org")
    response = post_form(client, "/manage/interest/new" + EN, call_form(setting["other"]))
    assert (response.status_code == 422
            and "Choose one of your consultations." in response.get_data(as_text=True))
    assert calls(in_app) == []


def test_editing_keeps_areas_in_use_and_refuses_to_drop_them(client, auth, setting, in_app):
    auth.login("novi@example.org")
    post_form(client, "/manage/interest/new", call_form(setting["consultation"], opens_at="2020-01-01T09:00"))
    [call] = calls(in_app)
    with in_app():
        stored = db.session.get(InterestCall, call.id)
        make_declaration(stored, area=stored.areas[1])
    stazione = call.areas[1].id
    url = f"/manage/interest/{call.id}/edit" + EN
    response = post_form(client, url,
                         call_form(setting["consultation"], areas="Centro storico\nBiblioteca Civica"))
    assert response.status_code == 422
    assert "These areas were chosen in declarations and cannot be removed: Stazione." in response.get_data(
        as_text=True)
    response = post_form(client, url, call_form(setting["consultation"], title="Nuovo titolo",
                                                areas="Stazione\nCentro storico\nZona industriale"))
    assert response.status_code == 303
    [call] = calls(in_app)
    assert call.title == "Nuovo titolo"
    assert [area.name for area in call.areas] == ["Stazione", "Centro storico", "Zona industriale"]
    assert call.areas[0].id == stazione  # the declarations still point at it
    with in_app():
        assert db.session.scalar(select(InterestArea).where(InterestArea.name == "Biblioteca Civica")) is None


def test_open_and_close_now(client, auth, setting, in_app):
    auth.login("novi@example.org")
    post_form(client, "/manage/interest/new", call_form(setting["consultation"]))
    [call] = calls(in_app)
    response = post_form(client, "/manage/interest/" + EN, {}, action=f"/manage/interest/{call.id}/open")
    assert response.status_code == 303
    [opened] = calls(in_app)
    assert opened.opens_at <= utcnow() < opened.closes_at
    assert "Open" in client.get(f"/interest/{call.id}" + EN).get_data(as_text=True)
    response = post_form(client, "/manage/interest/" + EN, {}, action=f"/manage/interest/{call.id}/close")
    [closed] = calls(in_app)
    assert closed.closes_at <= utcnow()
    response = post_form(client, "/manage/interest/" + EN, {}, action=f"/manage/interest/{call.id}/close",
                         follow_redirects=True)
    assert "Only an open call can be closed." in response.get_data(as_text=True)
    response = post_form(client, "/manage/interest/" + EN, {}, action=f"/manage/interest/{call.id}/open",
                         follow_redirects=True)
    assert "The closing time has passed" in response.get_data(as_text=True)


def test_other_bodies_and_citizens_cannot_manage_the_call(client, auth, setting, in_app):
    auth.login("novi@example.org")
    post_form(client, "/manage/interest/new", call_form(setting["consultation"]))
    [call] = calls(in_app)
    auth.logout()
    auth.login("other@example.org")
    assert call.title not in client.get("/manage/interest/").get_data(as_text=True)
    assert client.get(f"/manage/interest/{call.id}/edit").status_code == 403
    token = csrf_token(client.get("/manage/interest/").get_data(as_text=True))
    for action in ("open", "close", "edit"):
        response = client.post(f"/manage/interest/{call.id}/{action}",
                               data={"csrf_token": token, **call_form(setting["other"], title="Preso")})
        assert response.status_code == 403
    auth.logout()
    auth.login("citizen@example.org")
    assert client.get("/manage/interest/").status_code == 403
    assert client.get("/manage/interest/new").status_code == 403
    [unchanged] = calls(in_app)
    assert unchanged.title == call.title and unchanged.opens_at == call.opens_at


def test_the_manage_dashboard_links_to_calls(client, auth, setting):
    auth.login("novi@example.org")
    html = client.get("/manage/?lang=en").get_data(as_text=True)
    assert "/manage/interest/" in html and "Calls for interest" in html
