"""Citizens answering a survey with the test client (no JavaScript): what is stored, and only once."""
from __future__ import annotations

from sqlalchemy import func, select

from civic.accounts.models import User
from civic.database import db
from civic.surveys.models import Audience, Participation, QuestionKind, Response, SurveyStatus
from tests.conftest import csrf_token, post_form
from tests.consultations.factories import make_consultation
from tests.factories import PASSWORD, make_body, make_user
from tests.surveys.factories import add_question, good_answers, make_survey
from tests.surveys.support import answer, counts, stored_answers


def test_a_citizen_without_an_account_answers_and_the_stored_answers_match(client, novi, in_db):
    q = novi.q
    response = answer(client, novi.id, good_answers(q))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/surveys/{novi.id}/thanks")
    assert "Grazie per le tue risposte" in client.get(response.headers["Location"]).get_data(as_text=True)

    needs, priorities, rating = q["needs"], q["priorities"], q["rating"]
    expected = [
        (q["name"].id, None, None, None, None, "Giulia"),
        (q["role"].id, q["role"].options["Imprenditore"], None, None, None, None),
        (needs.id, needs.options["Wi-Fi"], None, None, None, None),
        (needs.id, needs.options["Caffè"], None, None, None, None),
        (q["interest"].id, None, None, None, 4.0, None),
        (q["days"].id, None, None, None, 12.0, None),
        (q["start"].id, None, None, None, None, "2015-03-01"),
        (priorities.id, priorities.options["Prezzo"], None, 2, None, None),
        (priorities.id, priorities.options["Orari"], None, 1, None, None),
        (priorities.id, priorities.options["Posizione"], None, 3, None, None),
        (rating.id, rating.options["Bene"], rating.rows[0], None, None, None),
        (rating.id, rating.options["Male"], rating.rows[1], None, None, None),
        (q["help"].id, q["help"].options["Sì"], None, None, None, None),
        (q["comments"].id, None, None, None, None, "Posso aprire la sala il sabato."),
    ]
    assert in_db(stored_answers, novi.id) == sorted(expected, key=repr)
    channel, user_id = in_db(
        lambda: tuple(db.session.execute(select(Response.channel, Response.user_id)).one()))
    assert channel.value == "web" and user_id is None


def test_other_please_specify_is_stored_as_text_without_an_option(client, novi, in_db):
    q = novi.q
    data = good_answers(q)
    data[f"q{q['role'].id}"] = "other"
    data[f"q{q['role'].id}-other"] = "Studentessa"
    data[f"q{q['needs'].id}"] = [q["needs"].option("Stampante"), "other"]
    data[f"q{q['needs'].id}-other"] = "Armadietti"
    assert answer(client, novi.id, data).status_code == 302
    stored = in_db(stored_answers, novi.id)
    assert (q["role"].id, None, None, None, None, "Studentessa") in stored
    assert [row for row in stored if row[0] == q["needs"].id] == sorted([
        (q["needs"].id, q["needs"].options["Stampante"], None, None, None, None),
        (q["needs"].id, None, None, None, None, "Armadietti"),
    ], key=repr)


def test_answering_twice_says_already_answered_and_stores_one(client, novi, in_db):
    page = client.get(f"/surveys/{novi.id}").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), **good_answers(novi.q)}
    assert client.post(f"/surveys/{novi.id}", data=data).status_code == 302
    # A double click, F5 on the POST, or the form still open in another tab: the same form sent again.
    again = client.post(f"/surveys/{novi.id}", data=data, follow_redirects=True)
    html = again.get_data(as_text=True)
    assert "Hai già risposto a questo questionario" in html and 'id="survey-form"' not in html
    assert in_db(counts) == (1, 14, 1)


def test_after_answering_an_incomplete_form_says_already_answered_not_what_is_missing(client, novi, in_db):
    page = client.get(f"/surveys/{novi.id}").get_data(as_text=True)
    assert client.post(f"/surveys/{novi.id}", data={"csrf_token": csrf_token(page), **good_answers(novi.q)}
                       ).status_code == 302
    again = client.post(f"/surveys/{novi.id}", data={"csrf_token": csrf_token(page)}, follow_redirects=True)
    html = again.get_data(as_text=True)
    assert again.status_code == 200 and "Hai già risposto a questo questionario" in html
    assert "Answer this question" not in html and "Rispondi a questa domanda" not in html
    assert in_db(counts) == (1, 14, 1)


def test_a_new_browser_is_a_new_participant_but_one_account_answers_once(client, novi, in_db, auth):
    data = good_answers(novi.q)
    assert answer(client.application.test_client(), novi.id, data).status_code == 302
    auth.login(novi.citizen)
    assert answer(client, novi.id, data).status_code == 302
    again = answer(client, novi.id, data, follow_redirects=True)
    assert "Hai già risposto" in again.get_data(as_text=True)
    assert in_db(counts)[0] == 2
    ledger = in_db(lambda: db.session.execute(select(Participation.user_id, Participation.token_hash)).all())
    # The account's row carries the keyed hash of the person too (civic.census.eligibility.voice), which
    # outlives the account.
    assert (sorted((user_id is None, token is None) for user_id, token in ledger)
            == [(False, False), (True, False)])


def test_hidden_conditional_question_is_neither_required_nor_stored(client, novi, in_db):
    q = novi.q
    data = good_answers(q)
    data[f"q{q['help'].id}"] = q["help"].option("No")  # "comments" shows only after "Sì"
    data[f"q{q['comments'].id}"] = "Testo che il server deve ignorare"
    assert answer(client, novi.id, data).status_code == 302
    assert all(row[0] != q["comments"].id for row in in_db(stored_answers, novi.id))

    # Shown (after "Sì") and left empty, the required question is refused.
    data[f"q{q['help'].id}"] = q["help"].option("Sì")
    data[f"q{q['comments'].id}"] = "  "
    refused = answer(client.application.test_client(), novi.id, data)
    assert refused.status_code == 422
    assert f'id="q{q["comments"].id}-error"' in refused.get_data(as_text=True)
    assert in_db(counts)[0] == 1


def test_without_javascript_conditional_questions_carry_a_note(client, novi):
    html = client.get(f"/surveys/{novi.id}").get_data(as_text=True)
    assert "Rispondi solo se hai scelto «Sì» nella domanda 9." in html
    assert f'data-condition-field="q{novi.q["help"].id}"' in html


def test_a_named_survey_links_the_response_to_the_account(client, auth, in_db):
    def build():
        survey = make_survey(make_consultation(make_body()), audience=Audience.REGISTERED, anonymous=False)
        question = add_question(survey, QuestionKind.SHORT_TEXT, "Il tuo quartiere", required=True)
        return survey.id, question.id, make_user(email="mario@example.org").id

    survey_id, question_id, user_id = in_db(build)
    auth.login("mario@example.org")
    assert answer(client, survey_id, {f"q{question_id}": "Centro"}).status_code == 302
    assert in_db(lambda: db.session.scalars(select(Response.user_id)).one()) == user_id
    ledger = in_db(lambda: db.session.execute(select(Participation.user_id, Participation.answered_on)).one())
    assert ledger.user_id == user_id and ledger.answered_on is not None  # named: the day is no secret


def test_who_may_answer_follows_the_audience(client, auth, in_db):
    def build():
        consultation = make_consultation(make_body())
        surveys = [make_survey(consultation, audience=Audience.REGISTERED),
                   make_survey(consultation, audience=Audience.CONFIRMED)]
        for survey in surveys:
            add_question(survey, QuestionKind.SHORT_TEXT, "Quartiere")
        make_user(email="nuova@example.org", confirmed=False)
        return [s.id for s in surveys]

    registered, confirmed = in_db(build)
    page = client.get(f"/surveys/{registered}").get_data(as_text=True)
    assert "accedi con il tuo account" in page and 'id="survey-form"' not in page
    auth.login("nuova@example.org")
    assert 'id="survey-form"' in client.get(f"/surveys/{registered}").get_data(as_text=True)
    page = client.get(f"/surveys/{confirmed}").get_data(as_text=True)
    assert "confermato il proprio indirizzo e-mail" in page and 'id="survey-form"' not in page
    token = csrf_token(page)
    assert client.post(f"/surveys/{confirmed}", data={"csrf_token": token}).status_code == 302
    assert in_db(counts) == (0, 0, 0)


def test_drafts_are_invisible_and_closed_surveys_refuse_answers(client, in_db):
    def build():
        consultation = make_consultation(make_body())
        draft = make_survey(consultation, title="Bozza segreta", status=SurveyStatus.DRAFT)
        closed = make_survey(consultation, title="Questionario chiuso", status=SurveyStatus.CLOSED)
        return draft.id, closed.id, add_question(closed, QuestionKind.SHORT_TEXT, "Quartiere").id

    draft, closed, question = in_db(build)
    assert client.get(f"/surveys/{draft}").status_code == 404
    assert client.get("/surveys/999999").status_code == 404
    page = client.get(f"/surveys/{closed}").get_data(as_text=True)
    assert "Questo questionario è chiuso" in page and 'id="survey-form"' not in page
    listing = client.get("/surveys/").get_data(as_text=True)
    assert "Questionario chiuso" in listing and "Bozza segreta" not in listing
    token = csrf_token(client.get("/account/login").get_data(as_text=True))
    assert client.post(f"/surveys/{closed}",
                       data={"csrf_token": token, f"q{question}": "x"}).status_code == 302
    assert in_db(counts) == (0, 0, 0)


def test_deleting_the_account_and_signing_up_again_with_the_same_address_answers_no_second_time(
        client, auth, in_db):
    def build():
        survey = make_survey(make_consultation(make_body()), audience=Audience.CONFIRMED, anonymous=False)
        question = add_question(survey, QuestionKind.SHORT_TEXT, "Il tuo quartiere", required=True)
        make_user(email="Rosa.Bianchi@example.org")
        return survey.id, question.id

    survey_id, question_id = in_db(build)
    auth.login("Rosa.Bianchi@example.org")
    assert answer(client, survey_id, {f"q{question_id}": "Centro"}).status_code == 302
    deleted = post_form(client, "/account/delete", {"current_password": PASSWORD, "confirm": "y"})
    assert deleted.status_code == 302 and in_db(lambda: db.session.scalar(select(User.id))) is None

    in_db(make_user, email="rosa.bianchi@example.org")  # a new account, the same address (any case)
    auth.login("rosa.bianchi@example.org")
    page = client.get(f"/surveys/{survey_id}").get_data(as_text=True)
    assert "Hai già risposto a questo questionario" in page and 'id="survey-form"' not in page
    answer(client, survey_id, {f"q{question_id}": "Periferia"})
    assert len(in_db(lambda: db.session.scalars(select(Response.id)).all())) == 1
    assert in_db(lambda: db.session.scalar(select(func.count()).select_from(Participation))) == 1
