"""Registration forms through the pages (plain HTML forms, as without JavaScript): the organiser sets up
questions, seats per category, companions, approval, reminders and the check-in window; a citizen answers;
the organiser approves from the page /manage/ points to; the answers reach the CSV/XLSX export, "download my
data" and the open-data API."""
from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from civic.consultations.models import Consultation
from civic.database import db
from civic.meetings.models import Meeting, QuestionKind, Registration, RegistrationStatus
from civic.outbox.models import OutboxMessage
from tests.conftest import csrf_token, post_form
from tests.factories import make_body, make_user
from tests.meetings.factories import bulk_registrations, make_consultation, make_meeting
from tests.meetings.test_manage import meeting_form


@pytest.fixture
def people(app):
    with app.app_context():
        body = make_body("comune-di-novi-ligure", "Comune di Novi Ligure")
        consultation = make_consultation(body, slug="coworking-novi")
        return {"consultation": consultation.id, "councillor": make_user(councillor_of=body).email,
                "citizen": make_user(name="Giulia Rossi", email="giulia@example.org").email,
                "other": make_user(name="Paolo Bini", email="paolo@example.org").email}


FORM = {
    "quotas": "cittadini: 40\nimprenditori: 5", "companions_max": "2", "requires_approval": "y",
    "reminder_hours": "168, 24", "check_in_opens_minutes": "45",
    "questions-0-label": "Sei residente a Novi Ligure?", "questions-0-kind": "yes_no",
    "questions-0-required": "y", "questions-0-choices": "",
    "questions-1-label": "Come hai saputo dell'incontro?", "questions-1-kind": "choice",
    "questions-1-choices": "Giornale\nPassaparola\n", "questions-1-required": "",
}


def create(client, people, **changes) -> int:
    response = post_form(client, "/manage/meetings/new", meeting_form(people["consultation"], **{**FORM,
                                                                                                 **changes}))
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.location.rsplit("/", 1)[1])


def test_the_organiser_sets_up_the_form_and_sees_it_again_when_editing(app, client, auth, people):
    auth.login(people["councillor"])
    meeting_id = create(client, people)
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        assert [(q.label, q.kind, q.required, q.choices) for q in meeting.questions] == [
            ("Sei residente a Novi Ligure?", QuestionKind.YES_NO, True, []),
            ("Come hai saputo dell'incontro?", QuestionKind.CHOICE, False, ["Giornale", "Passaparola"])]
        assert {q.category: q.seats for q in meeting.quotas} == {"cittadini": 40, "imprenditori": 5}
        assert [r.hours_before for r in meeting.reminders] == [168, 24]
        assert (meeting.companions_max, meeting.requires_approval,
                meeting.check_in_opens_minutes) == (2, True, 45)
    page = client.get(f"/manage/meetings/{meeting_id}/edit").get_data(as_text=True)
    assert "cittadini: 40\nimprenditori: 5" in page and 'value="168, 24"' in page
    assert 'value="Sei residente a Novi Ligure?"' in page


@pytest.mark.parametrize("changes, field, message", [
    ({"quotas": "stampa: 5"}, "quotas", "“stampa” non è una delle categorie di pubblico."),
    ({"quotas": "cittadini: tanti"}, "quotas", "Scrivi ogni riga come “categoria: posti”"),
    ({"reminder_hours": "24, domani"}, "reminder_hours", "Indica numeri interi di ore"),
    ({"companions_max": "99"}, "companions_max", "Inserisci un numero da 0 a 20."),
    ({"questions-1-choices": "Solo una"}, "questions-1-choices", "Scrivi almeno due risposte possibili"),
])
def test_a_bad_form_setup_is_refused_next_to_its_field_and_nothing_is_stored(app, client, auth, people,
                                                                               changes, field, message):
    auth.login(people["councillor"])
    response = post_form(client, "/manage/meetings/new", meeting_form(people["consultation"],
                                                                      **{**FORM, **changes}))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page and message in page
    with app.app_context():
        assert db.session.scalar(select(Meeting.id)) is None


def test_a_citizen_answers_waits_for_approval_and_the_organiser_decides(app, client, auth, people):
    auth.login(people["councillor"])
    meeting_id = create(client, people)
    auth.logout()

    auth.login(people["citizen"])
    url = f"/meetings/{meeting_id}/register"
    page = client.get(url).get_data(as_text=True)
    assert "Sei residente a Novi Ligure?" in page and "Persone che vengono con te" in page
    with app.app_context():
        resident, heard = db.session.get(Meeting, meeting_id).questions
    # The required question left empty, and too many companions: told next to each field, nothing stored.
    refused = client.post(url, data={"csrf_token": csrf_token(page), "category": "cittadini",
                                     "companions": "3", f"q{heard.id}": "Giornale"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert f'id="q{resident.id}-error"' in text and "Rispondi a questa domanda." in text
    assert 'id="companions-error"' in text
    forged = client.post(url, data={"csrf_token": csrf_token(page), "category": "cittadini",
                                    f"q{resident.id}": "yes", f"q{heard.id}": "Televisione"})
    assert forged.status_code == 422
    assert "Scegli una delle risposte elencate." in forged.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Registration.id)) is None

    sent = client.post(url, data={"csrf_token": csrf_token(page), "category": "cittadini", "companions": "2",
                                  f"q{resident.id}": "yes", f"q{heard.id}": "Passaparola"},
                       follow_redirects=True)
    text = sent.get_data(as_text=True)
    assert "Iscrizione ricevuta." in text and "In attesa di approvazione" in text
    assert "con 2 accompagnatori" in text
    assert client.get(f"/meetings/{meeting_id}/ticket").status_code == 404  # no ticket while pending
    auth.logout()

    auth.login(people["councillor"])
    dashboard = client.get("/manage/").get_data(as_text=True)
    assert 'id="waiting-meeting_approvals"' in dashboard and "/manage/meetings/approvals" in dashboard
    approvals = client.get("/manage/meetings/approvals").get_data(as_text=True)
    assert "Giulia Rossi" in approvals and "Sei residente a Novi Ligure?: <strong>Sì</strong>" in approvals
    with app.app_context():
        registration_id = db.session.scalar(select(Registration.id))
    approved = client.post(f"/manage/meetings/registrations/{registration_id}/approve",
                           data={"csrf_token": csrf_token(approvals)}, follow_redirects=True)
    text = approved.get_data(as_text=True)
    assert "L’iscrizione di Giulia Rossi è approvata con un posto confermato" in text
    again = client.post(f"/manage/meetings/registrations/{registration_id}/refuse",
                        data={"csrf_token": csrf_token(approvals)}, follow_redirects=True)
    assert "non è più in attesa di approvazione" in again.get_data(as_text=True)
    with app.app_context():
        registration = db.session.get(Registration, registration_id)
        assert registration.status == RegistrationStatus.CONFIRMED and registration.companions == 2
        meeting = db.session.get(Meeting, meeting_id)
        assert meeting.confirmed_count == 3
        assert {q.category: q.taken for q in meeting.quotas} == {"cittadini": 3, "imprenditori": 0}
        subjects = list(db.session.scalars(select(OutboxMessage.subject).where(
            OutboxMessage.to_address == people["citizen"]).order_by(OutboxMessage.id)))
        assert subjects == ["Iscrizione ricevuta, in attesa di approvazione: Tavolo di lavoro",
                            "Il tuo posto è confermato: Tavolo di lavoro"]
        ticket = db.session.scalar(select(OutboxMessage.body_text).order_by(OutboxMessage.id.desc()))
        assert "Vieni con 2 accompagnatori: il biglietto vale per 3 persone." in ticket


def test_another_bodys_councillor_cannot_see_or_decide_approvals(app, client, auth, people):
    auth.login(people["councillor"])
    meeting_id = create(client, people)
    auth.logout()
    auth.login(people["citizen"])
    with app.app_context():
        resident = db.session.get(Meeting, meeting_id).questions[0]
    post_form(client, f"/meetings/{meeting_id}/register", {"category": "cittadini", f"q{resident.id}": "no"})
    auth.logout()
    with app.app_context():
        stranger = make_user(councillor_of=make_body()).email
        registration_id = db.session.scalar(select(Registration.id))
    auth.login(stranger)
    page = client.get("/manage/meetings/approvals").get_data(as_text=True)
    assert "Giulia Rossi" not in page
    assert client.get(f"/manage/meetings/approvals?meeting={meeting_id}").status_code == 403
    assert client.post(f"/manage/meetings/registrations/{registration_id}/approve",
                       data={"csrf_token": csrf_token(page)}).status_code == 403
    with app.app_context():
        assert db.session.get(Registration, registration_id).status == RegistrationStatus.PENDING


def test_answers_and_companions_reach_the_exports_my_data_and_the_api(app, client, auth, people):
    auth.login(people["councillor"])
    meeting_id = create(client, people, requires_approval="", quotas="cittadini: 40")
    auth.logout()
    auth.login(people["citizen"])
    with app.app_context():
        resident, heard = db.session.get(Meeting, meeting_id).questions
    response = post_form(client, f"/meetings/{meeting_id}/register",
                         {"category": "cittadini", "companions": "1", f"q{resident.id}": "yes",
                          f"q{heard.id}": "=HYPERLINK(\"x\")"})
    assert response.status_code == 422  # not one of the choices
    post_form(client, f"/meetings/{meeting_id}/register",
              {"category": "cittadini", "companions": "1", f"q{resident.id}": "yes",
               f"q{heard.id}": "Giornale"})
    ticket = client.get(f"/meetings/{meeting_id}/ticket").get_data(as_text=True)
    assert "Vieni con 1 accompagnatore: il biglietto vale per 2 persone." in ticket
    mine = json.loads(client.get("/account/data/download").get_data(as_text=True))
    record = mine["meeting_registrations"][0]
    assert record["companions"] == 1 and record["status"] == "confirmed"
    assert [(a["question"], a["answer"]) for a in record["answers"]] == [
        ("Sei residente a Novi Ligure?", "yes"), ("Come hai saputo dell'incontro?", "Giornale")]
    auth.logout()

    auth.login(people["councillor"])
    text = client.get(f"/manage/meetings/{meeting_id}/registrations.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert rows[0]["companions"] == "1" and rows[0]["Sei residente a Novi Ligure?"] == "yes"
    assert rows[0]["Come hai saputo dell'incontro?"] == "Giornale"
    response = client.get(f"/manage/meetings/{meeting_id}/registrations.xlsx")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    values = list(sheet.values)
    assert values[0][5] == "companions" and values[0][-2:] == ("Sei residente a Novi Ligure?",
                                                                "Come hai saputo dell'incontro?")
    assert values[1][5] == 1 and values[1][-2:] == ("yes", "Giornale") and values[1][4] == "confirmed"

    detail = client.get(f"/api/v1/meetings/{meeting_id}").get_json()
    assert detail["quotas"] == [{"category": "cittadini", "seats": 40, "seats_left": 38}]
    assert detail["companions_max"] == 2 and detail["requires_approval"] is False
    assert detail["seats_left"] == 28
    page = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert "cittadini: 38 posti disponibili su 40" in page


def test_the_approvals_page_takes_the_same_queries_for_3_or_60_waiting(app, client, auth, people,
                                                                       count_queries):
    with app.app_context():
        meeting_id = make_meeting(db.session.get(Consultation, people["consultation"]),
                                  requires_approval=True).id
    auth.login(people["councillor"])
    counts = []
    for more, total in ((3, 3), (57, 60)):
        with app.app_context():
            bulk_registrations(meeting_id, more, confirmed=False)
            db.session.execute(update(Registration).values(
                status=RegistrationStatus.PENDING,
                answers=[{"question_id": 1, "question": "Residente?", "answer": "yes"}]))
            db.session.commit()
        with count_queries() as counter:
            page = client.get("/manage/meetings/approvals").get_data(as_text=True)
        counts.append(counter.count)
        assert page.count("Residente?: <strong>Sì</strong>") == min(total, 50)  # 50 a page
    assert counts[0] == counts[1], counts
