"""The demo meetings from the seeds: Novi Ligure, 14 February 2015 (held), and the Genova working table
(upcoming, 30 seats) that a newcomer can book."""
from __future__ import annotations

import datetime as dt

from icalendar import Calendar
from sqlalchemy import func, select

from civic.database import db, utcnow
from civic.meetings.models import Meeting, MeetingStatus, Registration, RegistrationStatus
from tests.conftest import post_form
from tests.factories import make_user


def test_demo_meetings_are_loaded_once_and_a_newcomer_can_book_genova(app, runner, client, auth):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        meetings = {m.consultation.slug: m for m in db.session.scalars(select(Meeting))}
        assert set(meetings) >= {"coworking-novi-ligure", "coworking-genova-levante"}
        assert db.session.scalar(select(func.count(Meeting.id))) == len(meetings) == 2
        novi, genova = meetings["coworking-novi-ligure"], meetings["coworking-genova-levante"]
        assert novi.status == MeetingStatus.HELD and novi.consultation.body.slug == "comune-di-novi-ligure"
        assert (novi.venue_name, novi.venue_address) == ("Biblioteca Civica", "Via Marconi 36, Novi Ligure")
        assert novi.audiences == ["cittadini", "imprenditori", "professionisti", "partite IVA",
                                  "associazioni di categoria"]
        speakers = [(item.speaker, item.affiliation) for item in novi.agenda_items]
        assert ("Mico Rao", "Proteina") in speakers and ("Marco Pichetto", "Sindaco di Veglio") in speakers
        assert len(novi.agenda_items) == 4
        # Its registration form, once however many times the demo is loaded.
        assert [q.kind.value for q in novi.questions] == ["yes_no", "choice"] and novi.questions[0].required
        quotas = {q.category: q.seats for q in novi.quotas}
        assert quotas == {"cittadini": 40, "associazioni di categoria": 10}
        assert [r.hours_before for r in genova.reminders] == [168, 24]
        assert genova.status == MeetingStatus.SCHEDULED and genova.capacity == 30
        assert genova.consultation.body.slug == "municipio-ix-levante"
        assert dt.timedelta(days=14) < genova.starts_at - utcnow() < dt.timedelta(days=35)
        assert genova.registration_state() == "open"
        ids = novi.id, genova.id
        newcomer = make_user().email

    [event] = Calendar.from_ical(client.get(f"/meetings/{ids[0]}.ics").data).walk("VEVENT")
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert ((start.date(), start.hour, end.hour, str(start.tzinfo))
            == (dt.date(2015, 2, 14), 9, 12, "Europe/Rome"))
    page = client.get(f"/meetings/{ids[0]}").get_data(as_text=True)
    assert "Mico Rao" in page and "sabato 14 febbraio 2015, 09:00" in page

    auth.login(newcomer)
    response = post_form(client, f"/meetings/{ids[1]}/register", {"category": "partite IVA"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Registration.status)) == RegistrationStatus.CONFIRMED
