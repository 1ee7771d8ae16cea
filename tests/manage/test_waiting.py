"""What citizens and councillors see first: the home page shows the next meetings and the open surveys; the
councillors' area counts what waits for them (surveys of their bodies closing within a week; reported comments
and e-mail that failed for administrators only) in a fixed number of queries however many there are."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import update

from civic.comments.models import CommentReport
from civic.database import db, utcnow
from civic.meetings.models import MeetingStatus
from civic.outbox import services as outbox
from civic.outbox.models import MessageStatus, OutboxMessage
from civic.surveys.models import SurveyStatus
from tests.comments.factories import make_comment
from tests.consultations.factories import make_consultation
from tests.factories import PASSWORD, make_body, make_user
from tests.meetings.factories import make_meeting
from tests.surveys.factories import make_survey


def _count(html: str, key: str) -> int:
    found = re.search(rf'id="waiting-{key}".*?<span class="d-block fs-2[^"]*">([\d.]+)</span>', html, re.S)
    assert found, f"no count {key} on the page"
    return int(found.group(1).replace(".", ""))


@pytest.fixture
def town(app):
    """Two councils; Novi's surveys: one closing in three days, one in a month, one closed; Genova's one
    closing tomorrow; a reported comment; one failed e-mail; meetings (a past one, three ahead)."""
    with app.app_context():
        novi, genova = make_body("comune-di-novi-ligure", "Comune di Novi Ligure"), make_body()
        make_user("novi@example.org", councillor_of=novi)
        make_user("admin@example.org", admin=True)
        at_novi, at_genova = make_consultation(novi, slug="coworking-novi"), make_consultation(genova)
        now = utcnow()
        make_survey(at_novi, "Chiude tra tre giorni", closes_at=now + dt.timedelta(days=3))
        make_survey(at_novi, "Chiude tra un mese", closes_at=now + dt.timedelta(days=30))
        make_survey(at_novi, "Già chiuso", status=SurveyStatus.CLOSED, closes_at=now - dt.timedelta(days=1))
        make_survey(at_genova, "Chiude domani a Genova", closes_at=now + dt.timedelta(days=1))
        author = make_user(name="Marco Autore")
        comment = make_comment(author, "Un commento segnalato.", consultation=at_novi)
        db.session.add(CommentReport(comment_id=comment.id, user_id=make_user().id, reason="offensivo"))
        message = outbox.enqueue("qualcuno@example.org", "Oggetto", "Testo")
        db.session.flush()
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message.id)
                           .values(status=MessageStatus.FAILED))
        make_meeting(at_novi, title="Incontro passato", starts_in=dt.timedelta(days=-3))
        for days, title in ((9, "Terzo incontro"), (2, "Primo incontro"), (5, "Secondo incontro"),
                            (20, "Quarto incontro")):
            make_meeting(at_novi, title=title, starts_in=dt.timedelta(days=days))
        make_meeting(at_novi, title="Incontro annullato", starts_in=dt.timedelta(days=4),
                     status=MeetingStatus.CANCELLED)
        db.session.commit()


def test_the_home_page_shows_the_next_meetings_and_the_open_surveys(client, town):
    page = client.get("/").get_data(as_text=True)
    meetings = page[page.index('id="home-meetings-heading"'):]
    titles = re.findall(r'href="/meetings/\d+">([^<]+)</a>', meetings)[:3]
    assert titles == ["Primo incontro", "Incontro annullato", "Secondo incontro"]
    assert "Incontro passato" not in meetings and "Prossimi incontri" in page
    surveys = page[page.index('id="home-surveys-heading"'):]
    assert re.findall(r'href="/surveys/\d+">([^<]+)</a>', surveys) == [
        "Chiude domani a Genova", "Chiude tra tre giorni", "Chiude tra un mese"]
    assert "Già chiuso" not in surveys and "Questionari aperti" in page
    english = client.get("/?lang=en").get_data(as_text=True)
    assert "Next meetings" in english and "Open surveys" in english


def test_a_councillor_sees_what_waits_for_their_bodies_only(client, auth, town):
    auth.login("novi@example.org", PASSWORD)
    page = client.get("/manage/").get_data(as_text=True)
    assert _count(page, "closing_surveys") == 1
    assert 'id="waiting-reported_comments"' not in page and 'id="waiting-unsent_mail"' not in page
    assert 'href="/manage/surveys/"' in page


def test_an_administrator_also_sees_reported_comments_and_failed_mail(client, auth, town):
    auth.login("admin@example.org", PASSWORD)
    page = client.get("/manage/?lang=en").get_data(as_text=True)
    assert _count(page, "closing_surveys") == 2
    assert _count(page, "reported_comments") == 1 and _count(page, "unsent_mail") == 1
    assert "What waits for you" in page and 'href="/manage/admin/comments"' in page


def test_the_counts_cost_the_same_queries_however_many_wait(app, client, auth, town, count_queries):
    auth.login("admin@example.org", PASSWORD)
    client.get("/manage/")
    with count_queries() as few:
        client.get("/manage/")
    with app.app_context():
        body = make_body()
        consultation = make_consultation(body)
        for n in range(12):
            make_survey(consultation, closes_at=utcnow() + dt.timedelta(days=2))
            comment = make_comment(make_user(), f"Commento {n}", consultation=consultation)
            db.session.add(CommentReport(comment_id=comment.id, user_id=make_user().id))
        db.session.commit()
    with count_queries() as many:
        page = client.get("/manage/").get_data(as_text=True)
    assert many.count == few.count
    assert _count(page, "closing_surveys") == 14 and _count(page, "reported_comments") == 13
