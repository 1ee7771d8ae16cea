"""Invitations and the person they were sent to: "download my data" lists the invitations sent to the
account's address, and deleting the account deletes the unused ones and erases the address from the used ones,
so each survey still counts its invitations right; other people's invitations stay as they were."""
from __future__ import annotations

import json

from sqlalchemy import select

from civic.database import db
from civic.surveys.models import Survey, SurveyInvitation
from tests.conftest import csrf_token, post_form
from tests.factories import PASSWORD, make_user
from tests.support.mail import links_in, open_link, path_of, queued
from tests.surveys.factories import make_survey


def _rows() -> list[tuple]:
    return [tuple(row) for row in db.session.execute(
        select(Survey.title, SurveyInvitation.email, SurveyInvitation.used)
        .join(Survey, Survey.id == SurveyInvitation.survey_id)
        .order_by(Survey.title, SurveyInvitation.email.asc().nulls_last()))]


def _second_survey(closed_list_id: int) -> int:
    first = db.session.get(Survey, closed_list_id)
    return make_survey(first.consultation, title="La palestra della scuola", invited_only=True).id


def test_my_invitations_are_in_my_data_and_go_with_the_account(app, client, auth, closed_list, in_db):
    second = in_db(_second_survey, closed_list.id)
    in_db(make_user, email="anna@example.org")
    auth.login("consigliere@example.org")
    for survey_id in (closed_list.id, second):
        post_form(client, f"/manage/surveys/{survey_id}/invitations",
                  {"addresses": "anna@example.org\nbruno@example.org"})
    post_form(client, f"/manage/surveys/{second}/invitations", {},
              action=f"/manage/surveys/{second}/invitations/remind")
    # Anna answers the first survey with her link (in a browser where she is not signed in).
    invitee = app.test_client()
    open_link(invitee, _link(app, closed_list.id))
    page = invitee.get(f"/surveys/{closed_list.id}").get_data(as_text=True)
    assert invitee.post(f"/surveys/{closed_list.id}", data={
        "csrf_token": csrf_token(page), closed_list.field: closed_list.yes}).status_code == 302
    auth.logout()

    auth.login("anna@example.org")
    assert "Inviti ai questionari" in client.get("/account/data").get_data(as_text=True)
    data = json.loads(client.get("/account/data/download").get_data(as_text=True))
    received = {item["survey"]["title"]: item for item in data["survey_invitations"]}
    assert set(received) == {"Il consiglio dei ragazzi", "La palestra della scuola"}
    assert received["Il consiglio dei ragazzi"]["used"] is True
    assert received["Il consiglio dei ragazzi"]["reminders"] == 0
    assert received["La palestra della scuola"] == {
        "survey": {"id": second, "title": "La palestra della scuola"},
        "sent_at": received["La palestra della scuola"]["sent_at"], "reminders": 1, "used": False}
    assert received["La palestra della scuola"]["sent_at"].startswith("20")
    assert "bruno" not in json.dumps(data)

    deletion = client.get("/account/delete").get_data(as_text=True)
    assert "perdono il tuo indirizzo" in deletion
    assert post_form(client, "/account/delete", {"current_password": PASSWORD, "confirm": "y"}
                     ).status_code == 302
    # The unused invitation went; the used one stays without the address; Bruno's are untouched.
    assert in_db(_rows) == [("Il consiglio dei ragazzi", "bruno@example.org", False),
                            ("Il consiglio dei ragazzi", None, True),
                            ("La palestra della scuola", "bruno@example.org", False)]
    auth.login("consigliere@example.org")
    page = client.get(f"/manage/surveys/{closed_list.id}/invitations").get_data(as_text=True)
    assert "Inviti inviati: 2. Hanno risposto: 1." in page
    assert "Indirizzo cancellato" in page and "anna@example.org" not in page
    page = client.get(f"/manage/surveys/{second}/invitations").get_data(as_text=True)
    assert "Inviti inviati: 1. Hanno risposto: 0." in page
    # The address can be invited again, as anyone new.
    response = post_form(client, f"/manage/surveys/{closed_list.id}/invitations",
                         {"addresses": "anna@example.org"}, follow_redirects=True)
    assert "Inviti inviati: 3. Hanno risposto: 1." in response.get_data(as_text=True)


def _link(app, survey_id: int) -> str:
    """Anna's invitation link to the survey."""
    for message in queued(app, "anna@example.org"):
        for link in links_in(message.body_text):
            if f"/surveys/{survey_id}/invitation/" in link:
                return path_of(link)
    raise AssertionError(f"no invitation to survey {survey_id}")
