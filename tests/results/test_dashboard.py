"""The consultation dashboard (councillors of the body only) and the public open-data page."""
from __future__ import annotations

import datetime as dt

from civic.bodies.models import Body
from civic.consultations.models import ConsultationStatus
from civic.database import db, utcnow
from civic.interest.models import Budget, Declaration, Horizon, InterestCall, Profile, Role
from civic.meetings.models import RegistrationStatus
from civic.motions.models import Motion, MotionStatus, MotionSupport
from civic.surveys.models import ResultsVisibility, SurveyStatus
from tests.factories import PASSWORD, make_body, make_user
from tests.meetings.factories import make_meeting, make_registration
from tests.results import factories as f
from tests.results.html_tables import tables


def _declare(call: InterestCall, user, role: Role, consent=False, withdrawn=False) -> None:
    db.session.add(Declaration(call_id=call.id, user_id=user.id, role=role, profile=Profile.FREELANCE,
                               budget=Budget.UP_TO_50, horizon=Horizon.NOW, contact_consent=consent,
                               withdrawn_at=utcnow() if withdrawn else None))
    db.session.commit()


def _consultation_with_everything(body: Body):
    """A consultation with two surveys, two meetings, two motions and an interest call; returns its slug and
    the people who took part."""
    consultation = f.make_consultation(body=body, slug="coworking-novi")
    people = [make_user(email=f"p{i}@example.org") for i in range(6)]
    f.make_generated(7, consultation=consultation)  # anonymous: nobody behind these 7
    named = f.make_structure(consultation=consultation, anonymous=False, title="Named")
    f.add_responses(named, 2, users=people[:2])
    full = make_meeting(consultation, capacity=2, title="Presentazione")
    make_registration(full, people[0])
    make_registration(full, people[1])
    make_registration(full, people[2], status=RegistrationStatus.WAITLISTED)
    open_meeting = make_meeting(consultation, title="Laboratorio", starts_in=dt.timedelta(days=14))
    make_registration(open_meeting, people[3], status=RegistrationStatus.CANCELLED)
    motion = Motion(body_id=body.id, consultation_id=consultation.id, title="Coworking comunale",
                    status=MotionStatus.FILED)
    quiet = Motion(body_id=body.id, consultation_id=consultation.id, title="Orari", status=MotionStatus.FILED)
    db.session.add_all([motion, quiet])
    db.session.flush()
    db.session.add_all([MotionSupport(motion_id=motion.id, user_id=people[i].id) for i in (0, 4)])
    call = InterestCall(consultation_id=consultation.id, title="Chi userebbe il coworking",
                        opens_at=utcnow() - dt.timedelta(days=1), closes_at=utcnow() + dt.timedelta(days=30))
    db.session.add(call)
    db.session.commit()
    _declare(call, people[4], Role.BOTH, consent=True)
    _declare(call, people[5], Role.USER)
    _declare(call, people[1], Role.MANAGER, withdrawn=True)  # withdrawn: counts nowhere
    return consultation.slug


def test_the_dashboard_counts_what_happened(app, client, auth):
    with app.app_context():
        body = make_body()
        make_user(email="councillor@example.org", councillor_of=body)
        slug = _consultation_with_everything(body)
    auth.login("councillor@example.org", PASSWORD)
    response = client.get(f"/manage/consultations/{slug}/dashboard?lang=en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # People 0-5 each did something still standing, except person 3 (a cancelled registration only) and
    # person 1's declaration (withdrawn) — but person 1 answered the named survey and registered.
    assert 'id="people">5<' in html
    assert 'id="responses">9<' in html
    found = {t.id: t for t in tables(html)}
    assert found["meetings"].body()["Presentazione"][1:5] == ["2", "2", "100.0%", "1"]
    assert found["meetings"].body()["Laboratorio"][1:3] == ["0", "no limit"]
    assert found["motions"].rows[1] == ["Coworking comunale", "Filed", "2"]
    assert found["motions"].body()["Orari"][-1] == "0"
    assert found["calls"].body()["Chi userebbe il coworking"] == ["2", "2", "1", "1"]
    assert "Survey responses per day" in html


def test_only_the_body_councillors_see_the_dashboard(app, client, auth):
    with app.app_context():
        body = make_body()
        make_user(email="other@example.org", councillor_of=make_body())
        make_user(email="citizen@example.org")
        make_user(email="admin@example.org", admin=True)
        f.make_consultation(body=body, slug="private-one")
    url = "/manage/consultations/private-one/dashboard"
    assert client.get(url).status_code == 302
    for email, status in (("citizen@example.org", 403), ("other@example.org", 403),
                          ("admin@example.org", 200)):
        auth.login(email, PASSWORD)
        assert client.get(url).status_code == status, email
        auth.logout()
    auth.login("admin@example.org", PASSWORD)
    assert client.get("/manage/consultations/nothing-here/dashboard").status_code == 404


def test_open_data_lists_licences_and_closed_public_results(app, client):
    with app.app_context():
        body = make_body(name="Comune di Novi Ligure")
        other = make_body(name="Municipio IX Levante")
        other.data_licence = "CC0-1.0"
        db.session.commit()
        consultation = f.make_consultation(body=body)
        f.make_consultation(body=other)
        f.make_generated(3, consultation=consultation, title="Closed and public")
        f.make_generated(3, consultation=consultation, title="Still open", status=SurveyStatus.OPEN)
        f.make_generated(3, consultation=consultation, title="Councillors only",
                         visibility=ResultsVisibility.COUNCILLORS)
        draft = f.make_consultation(body=make_body(name="Draft body"), status=ConsultationStatus.DRAFT)
        f.make_generated(3, consultation=draft, title="In a draft")
    response = client.get("/open-data?lang=en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    found = {t.id: t for t in tables(html)}
    assert found["licences"].body() == {"Comune di Novi Ligure": ["Creative Commons Attribution 4.0"],
                                        "Municipio IX Levante": ["CC0 1.0"]}
    assert list(found["surveys"].body()) == ["Closed and public"]
    assert found["surveys"].body()["Closed and public"][1] == "3"
    assert "/motions.json" in html
    assert 'href="/open-data"' in html  # in the main navigation


def test_the_councillors_entry_page_lists_their_dashboards_and_surveys(app, client, auth):
    with app.app_context():
        body = make_body()
        make_user(email="councillor@example.org", councillor_of=body)
        f.make_generated(4, consultation=f.make_consultation(body=body, slug="ours"), title="Our survey")
        f.make_generated(2, consultation=f.make_consultation(slug="theirs"), title="Their survey")
    auth.login("councillor@example.org", PASSWORD)
    html = client.get("/manage/results/?lang=en").get_data(as_text=True)
    assert "/manage/consultations/ours/dashboard" in html and "theirs" not in html
    found = {t.id: t for t in tables(html)}
    assert found["surveys"].rows[1][0].startswith("Our survey") and found["surveys"].rows[1][1] == "4"
    assert len(found["surveys"].rows) == 2
    assert 'href="/manage/results/"' in client.get("/manage/?lang=en").get_data(as_text=True)
