"""/account/data: a citizen reads what Civic keeps about her and downloads all of it as one JSON file, with
nothing of anyone else and nothing that ties her to an anonymous survey answer."""
from __future__ import annotations

import json
import re

from sqlalchemy import select

from civic.accounts.models import User
from civic.database import db
from civic.motions.models import MotionSupport
from civic.surveys.models import Audience, QuestionKind
from tests.accounts.people import (
    ADA,
    ANONYMOUS_ANSWER,
    BRUNO,
    BRUNO_ANSWER,
    CARLA,
    NAMED_ANSWER,
)
from tests.comments.factories import make_comment
from tests.consultations.factories import make_consultation
from tests.factories import make_body
from tests.interest.factories import make_call, make_declaration
from tests.meetings.factories import make_meeting, make_registration
from tests.motions.factories import make_motion
from tests.surveys.factories import add_question, make_survey
from tests.surveys.support import answer


def download(client):
    response = client.get("/account/data/download")
    assert response.status_code == 200
    return response


def test_the_pages_need_a_login(client):
    for path in ("/account/data", "/account/data/download", "/account/delete"):
        response = client.get(path)
        assert response.status_code == 302 and "/account/login?next=" in response.location


def test_the_profile_links_to_the_data_page_which_counts_the_records(client, scene):
    profile = client.get("/account/").get_data(as_text=True)
    assert 'href="/account/data"' in profile and 'href="/account/delete"' in profile
    page = client.get("/account/data?lang=en").get_data(as_text=True)
    assert "What Civic keeps about you" in page
    assert 'href="/account/data/download"' in page
    row = r'<th scope="row">([^<]+)</th><td>[^<]*</td><td class="text-end">(\d+)</td>'
    counts = dict(re.findall(row, page))
    assert counts == {"Profile": "1", "Meeting registrations": "1", "Motion supports": "1", "Comments": "1",
                      "Survey participation": "2", "Answers to named surveys": "1",
                      "Saved survey answers": "0", "Survey invitations": "0", "Declarations of interest": "1",
                      "What you follow": "1",
                      "Notification preferences": "0",
                      "Verified residence": "0"}
    italian = client.get("/account/data?lang=it").get_data(as_text=True)
    assert "Che cosa conserva Civic su di te" in italian and "Scarica i miei dati" in italian


def test_the_download_holds_her_data_and_nothing_of_anyone_else(client, scene):
    response = download(client)
    assert response.mimetype == "application/json"
    assert re.fullmatch(r'attachment; filename="civic-my-data-\d{4}-\d{2}-\d{2}\.json"',
                        response.headers["Content-Disposition"])
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    data = json.loads(text)

    assert data["profile"]["email"] == CARLA and data["profile"]["name"] == "Carla Cittadina"
    assert data["profile"]["roles"] == ["citizen", "councillor"]
    assert [seat["body"] for seat in data["profile"]["councillor_of"]] == ["Comune di Novi Ligure"]
    assert data["profile"]["email_confirmed_at"] and data["profile"]["created_at"]

    [registration] = data["meeting_registrations"]
    assert registration["title"] == "Tavolo di lavoro sul coworking"
    assert (registration["status"], registration["category"]) == ("confirmed", "cittadini")
    assert (registration["note"], registration["accessibility_needs"]) == ("Arrivo alle 18", "Interprete LIS")
    assert registration["checked_in_at"] is None and registration["starts_at"]

    assert [support["title"] for support in data["motion_supports"]] == ["Mozione per il coworking"]
    [comment] = data["comments"]
    assert comment["text"] == "Servono spazi per chi lavora da casa."
    assert comment["on"]["type"] == "motion" and comment["on"]["title"] == "Mozione per il coworking"
    assert comment["hidden_by_moderators"] is False

    # The named survey: question and answer. The anonymous one: only that she took part.
    [named] = data["named_survey_responses"]
    assert named["survey"]["title"] == "Idee per il coworking"
    assert named["answers"] == [{"question": "Che cosa proponi?", "answer": NAMED_ANSWER}]
    took_part = {item["survey"]["title"]: item for item in data["survey_participations"]}
    assert set(took_part) == {"Idee per il coworking", "Questionario anonimo"}
    assert took_part["Questionario anonimo"]["anonymous"] is True
    assert took_part["Questionario anonimo"]["answered_on"] is None
    assert ANONYMOUS_ANSWER not in text and "Che cosa pensi davvero?" not in text

    [declaration] = data["interest_declarations"]
    assert declaration["call"] == "Manifestazione di interesse per il coworking"
    assert declaration["notes"] == "Due giorni" and sorted(declaration["needs"]) == ["childcare", "hot_desk"]

    [grant] = data["audit_log"]
    assert grant["action"] == "role.grant" and grant["about_you"] is True
    assert grant["object_id"] == scene.carla
    assert grant["by_you"] is False and grant["summary"] == "councillor of comune-di-novi-ligure"

    # Nothing of Bruno (support, reply, answer, registration, declaration) nor of Ada, who granted the role.
    for other in (BRUNO, "Bruno Bianchi", BRUNO_ANSWER, "Sono d'accordo con Carla.", "Note di Bruno", ADA,
                  "Ada Amministratrice"):
        assert other not in text


def test_an_administrator_sees_her_own_changes_but_not_whom_they_were_about(app, client, auth, scene):
    auth.logout()
    auth.login(ADA)
    data = json.loads(download(client).get_data(as_text=True))
    [grant] = data["audit_log"]
    assert grant["by_you"] is True and grant["about_you"] is False
    assert grant["object_type"] == "users" and grant["object_id"] is None
    assert data["profile"]["roles"] == ["citizen", "admin"]
    assert data["meeting_registrations"] == [] and data["named_survey_responses"] == []


def _more_of_everything(app, client, scene, n: int) -> None:
    """n more records of every kind for Carla (surveys answered through the page)."""
    with app.app_context():
        carla = db.session.scalar(select(User).where(User.email == CARLA))
        body = make_body()
        consultation = make_consultation(body)
        surveys = []
        for i in range(n):
            motion = make_motion(body)
            db.session.add(MotionSupport(motion_id=motion.id, user_id=carla.id))
            make_comment(carla, f"Commento {i}", motion=motion)
            make_registration(make_meeting(consultation), carla)
            make_declaration(make_call(consultation), carla)
            survey = make_survey(consultation, audience=Audience.REGISTERED, anonymous=False)
            surveys.append((survey.id, add_question(survey, QuestionKind.SHORT_TEXT).id,
                            add_question(survey, QuestionKind.LONG_TEXT).id))
        db.session.commit()
    for survey_id, first, second in surveys:
        assert answer(client, survey_id, {f"q{first}": "Sì", f"q{second}": "Anche"}).status_code == 302


def test_the_download_takes_the_same_number_of_queries_whatever_the_number_of_records(app, client, scene,
                                                                                        count_queries):
    with count_queries() as few:
        small = json.loads(download(client).get_data(as_text=True))
    _more_of_everything(app, client, scene, 4)
    with count_queries() as many:
        large = json.loads(download(client).get_data(as_text=True))
    assert len(large["motion_supports"]) == 5 and len(large["named_survey_responses"]) == 5
    assert len(large["named_survey_responses"][-1]["answers"]) == 2
    assert len(small["comments"]) == 1 and len(large["comments"]) == 5
    # The person with their roles (one statement), then one query per kind of record (declarations: two).
    assert few.count == many.count == 15, "\n".join(many.statements)
