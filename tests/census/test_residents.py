"""A person signs in with SPID, is refused a resident-only survey, is verified by the census, answers once,
deletes the account, signs up again with the same identity and is told they already answered; nothing about
the answer points back at them. Also the typed-in check, revocation, and "download my data"."""
from __future__ import annotations

import io
import json
import re

from sqlalchemy import func, select

from civic.accounts import passwords
from civic.accounts.models import User
from civic.census.eligibility import Audience
from civic.census.models import Verification
from civic.database import db
from civic.identity.demo_idp.residents import RESIDENTS
from civic.surveys.models import Participation, QuestionKind, Response, SurveyStatus
from tests.census.support import load
from tests.conftest import csrf_token, post_form
from tests.consultations.factories import make_consultation
from tests.factories import make_body, make_user
from tests.identity.conftest import sign_up
from tests.surveys.factories import add_question, make_survey
from tests.surveys.support import release_held

GIULIA, MARCO, ANNA = RESIDENTS
PASSWORD = "a password set through the reset link"


def _resident_survey(in_db, anonymous=True, allows_declared=False):
    def build():
        body = make_body("novi", "Comune di Novi Ligure")
        load(body, GIULIA, ANNA, allows_declared=allows_declared)
        consultation = make_consultation(body, title="Coworking", slug="coworking")
        survey = make_survey(consultation, title="Per i residenti", status=SurveyStatus.OPEN)
        survey.audience, survey.anonymous = Audience.RESIDENT, anonymous
        question = add_question(survey, QuestionKind.SHORT_TEXT, "Che cosa ti serve?")
        db.session.commit()
        return survey.id, question.id, body.id
    return in_db(build)


def _answer(client, survey_id, question_id, text="Una sala"):
    page = client.get(f"/surveys/{survey_id}")
    return client.post(f"/surveys/{survey_id}", data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                                      f"q{question_id}": text})


def _verify(client, body_id, survey_id):
    page = client.get(f"/census/verify?body={body_id}&next=/surveys/{survey_id}")
    assert page.status_code == 200
    return client.post(f"/census/verify/identity?body={body_id}&next=/surveys/{survey_id}",
                       data={"csrf_token": csrf_token(page.get_data(as_text=True))})


def _delete_account(client, in_db):
    def set_password():
        user = db.session.scalar(select(User))
        user.password_hash = passwords.hash_password(PASSWORD)
        db.session.commit()
    in_db(set_password)
    deleted = post_form(client, "/account/delete", {"current_password": PASSWORD, "confirm": "y"})
    assert deleted.status_code == 302
    assert in_db(lambda: db.session.scalar(select(func.count()).select_from(User))) == 0


def test_one_verified_person_one_voice_even_after_deleting_the_account(client, spid, in_db):
    survey_id, question_id, body_id = _resident_survey(in_db)
    page = client.get(f"/surveys/{survey_id}").get_data(as_text=True)
    assert "Per partecipare servono SPID o CIE e la residenza: Comune di Novi Ligure." in page

    sign_up(client, spid, GIULIA)
    page = client.get(f"/surveys/{survey_id}").get_data(as_text=True)
    assert "Possono partecipare solo i residenti verificati" in page and "Verifica la tua residenza" in page
    assert f"/census/verify?body={body_id}&amp;next=/surveys/{survey_id}" in page
    refused = _answer(client, survey_id, question_id)  # the service refuses, whatever the page showed
    assert refused.status_code == 302
    assert in_db(lambda: db.session.scalar(select(func.count()).select_from(Participation))) == 0

    verified = _verify(client, body_id, survey_id)
    assert verified.status_code == 302 and verified.location.endswith(f"/surveys/{survey_id}")
    assert _answer(client, survey_id, question_id).status_code == 302
    assert "Hai già risposto" in client.get(f"/surveys/{survey_id}").get_data(as_text=True)
    ledger = in_db(lambda: db.session.execute(
        select(Participation.user_id, Participation.token_hash, Participation.answered_on)).all())
    assert len(ledger) == 1 and ledger[0].user_id is None and ledger[0].answered_on is None

    _delete_account(client, in_db)
    sign_up(client, spid, GIULIA)
    _verify(client, body_id, survey_id)
    assert "Hai già risposto" in client.get(f"/surveys/{survey_id}").get_data(as_text=True)
    _answer(client, survey_id, question_id, "Un'altra risposta")
    assert in_db(lambda: db.session.scalar(select(func.count()).select_from(Participation))) == 1
    in_db(release_held, survey_id)
    responses = in_db(lambda: db.session.execute(select(Response.user_id)).all())
    assert [tuple(row) for row in responses] == [(None,)]


def test_someone_not_on_the_list_is_not_verified(client, spid, in_db):
    survey_id, question_id, body_id = _resident_survey(in_db)
    sign_up(client, spid, MARCO)
    answered = _verify(client, body_id, survey_id)
    assert answered.location.startswith(f"/census/verify?body={body_id}")
    assert in_db(lambda: db.session.scalar(select(func.count()).select_from(Verification))) == 0
    _answer(client, survey_id, question_id)
    assert in_db(lambda: db.session.scalar(select(func.count()).select_from(Participation))) == 0


def test_the_typed_in_check_is_a_lower_level_and_tells_nobody_who_lives_there(client, auth, in_db):
    survey_id, question_id, body_id = _resident_survey(in_db, anonymous=False, allows_declared=True)
    in_db(make_user, email="citizen@example.org")
    auth.login()
    url = f"/census/verify?body={body_id}&next=/surveys/{survey_id}"
    wrong_date = post_form(client, url, {"fiscal_code": GIULIA.fiscal_code, "birth_date": "1985-02-15"},
                           action=f"/census/verify/declaration?body={body_id}&next=/surveys/{survey_id}")
    not_listed = post_form(client, url, {"fiscal_code": MARCO.fiscal_code, "birth_date": "1972-09-03"},
                           action=f"/census/verify/declaration?body={body_id}&next=/surveys/{survey_id}")
    bad_code = post_form(client, url, {"fiscal_code": GIULIA.fiscal_code[:15] + "A",
                                       "birth_date": "1985-02-14"},
                         action=f"/census/verify/declaration?body={body_id}&next=/surveys/{survey_id}")
    assert wrong_date.status_code == not_listed.status_code == bad_code.status_code == 422
    message = "Non è stato possibile verificare la tua residenza con questi dati."
    assert message in wrong_date.get_data(as_text=True) and message in not_listed.get_data(as_text=True)
    assert "non è un codice fiscale valido" in bad_code.get_data(as_text=True)
    good = post_form(client, url, {"fiscal_code": GIULIA.fiscal_code.lower(), "birth_date": "1985-02-14"},
                     action=f"/census/verify/declaration?body={body_id}&next=/surveys/{survey_id}")
    assert good.status_code == 302 and good.location.endswith(f"/surveys/{survey_id}")
    method, level = in_db(lambda: tuple(db.session.execute(select(Verification.method,
                                                                  Verification.level)).one()))
    assert (method.value, level) == ("declared", 0)
    assert _answer(client, survey_id, question_id).status_code == 302
    download = client.get("/account/data/download")
    data = json.loads(download.get_data(as_text=True))
    assert data["census_verifications"][0]["method"] == "declared"
    assert GIULIA.fiscal_code not in download.get_data(as_text=True)


def test_an_administrator_loads_a_list_on_the_page_and_revokes_a_verification(client, auth, in_db, spid):
    survey_id, question_id, body_id = _resident_survey(in_db)
    sign_up(client, spid, GIULIA)
    _verify(client, body_id, survey_id)
    auth.logout()
    in_db(make_user, email="admin@example.org", admin=True)
    auth.login("admin@example.org")
    page = client.get("/manage/admin/census").get_data(as_text=True)
    assert "Giulia Demolini" in page and GIULIA.fiscal_code not in page
    verification_id = in_db(lambda: db.session.scalar(select(Verification.id)))
    token = csrf_token(page)
    revoked = client.post(f"/manage/admin/census/verifications/{verification_id}/revoke",
                          data={"csrf_token": token})
    assert revoked.status_code == 302
    assert in_db(lambda: db.session.scalar(select(Verification.revoked_at))) is not None
    csv = f"codice_fiscale\n{MARCO.fiscal_code}\n".encode()
    uploaded = client.post("/manage/admin/census", data={
        "csrf_token": token, "body": body_id, "file": (io.BytesIO(csv), "anagrafe.csv")},
        content_type="multipart/form-data")
    assert uploaded.status_code == 302
    assert "1 persone" in client.get("/manage/admin/census").get_data(as_text=True)
    bad = client.post("/manage/admin/census", data={
        "csrf_token": token, "body": body_id, "file": (io.BytesIO(b"codice_fiscale\nXXX\n"), "a.csv")},
        content_type="multipart/form-data")
    assert bad.status_code == 422 and "Non è stato cambiato nulla" in bad.get_data(as_text=True)
    assert re.search(r"<td>1</td>", client.get("/manage/admin/census").get_data(as_text=True))
