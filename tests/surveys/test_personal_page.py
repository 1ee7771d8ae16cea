"""The survey answering page from the kept render (civic/core/slots.py): a signed-in citizen who may answer
and has neither answered nor saved a draft gets the shared page with their account menu, form token and
"save and continue later" as slots; whoever answered or saved a draft gets the page rendered whole, at once.
An anonymous visitor who may answer gets the browser token cookie on the GET (one browser's concurrent first
answers then count once: tests/surveys/test_concurrency.py), so that page is rendered for them."""
from __future__ import annotations

import datetime as dt
import time
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from civic.accounts.models import User
from civic.bodies.models import Body
from civic.census.eligibility import Audience
from civic.census.models import Method, Verification
from civic.database import db, utcnow
from civic.surveys.models import Participation, QuestionKind, SurveyStatus
from tests.core.test_personal_slots import _ACCOUNT, _get, _signed_in, _tokens, _without_tokens
from tests.factories import make_body, make_user
from tests.meetings.factories import make_consultation
from tests.support.checks import assert_valid_html
from tests.support.people import forget_people
from tests.surveys.factories import add_question, make_survey
from tests.surveys.support import answer

SAVE = "Salva e continua più tardi"
ANSWERED = "Hai già risposto a questo questionario."


@pytest.fixture
def town(in_db):
    def build():
        body = make_body("comune-di-novi-ligure", "Comune di Novi Ligure")
        consultation = make_consultation(body, title="Coworking a Novi Ligure")
        ids = {}
        for name, fields in (("a", {}), ("b", {}), ("members", {"audience": Audience.REGISTERED}),
                             ("confirmed", {"audience": Audience.CONFIRMED}),
                             ("residents", {"audience": Audience.RESIDENT}),
                             ("closed", {"status": SurveyStatus.CLOSED}),
                             ("invited", {"invited_only": True})):
            survey = make_survey(consultation, title=f"Il questionario {name}", **fields)
            choice = add_question(survey, QuestionKind.SINGLE_CHOICE, "Ti serve?", options=("Sì", "No"),
                                  required=True)
            words = add_question(survey, QuestionKind.SHORT_TEXT, "Perché?")
            ids[name] = SimpleNamespace(id=survey.id, url=f"/surveys/{survey.id}", choice=f"q{choice.id}",
                                        yes=str(choice.options[0].id), words=f"q{words.id}")
        anna = make_user("anna@example.org", name="Anna Rossi")
        make_user("bruno@example.org", name="Bruno Neri")
        make_user("carla@example.org", name="Carla Bianchi", confirmed=False)
        now = utcnow()
        db.session.add(Verification(user_id=anna.id, body_id=body.id, method=Method.IDENTITY, level=2,
                                    verified_at=now - dt.timedelta(days=1),
                                    expires_at=now + dt.timedelta(days=30)))
        db.session.commit()
        return SimpleNamespace(**ids)

    return in_db(build)


def _participations(app, survey_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Participation)
                                 .where(Participation.survey_id == survey_id))


def test_the_assembled_page_is_the_whole_render(app, town, count_queries):
    anna = _signed_in(app, "anna@example.org")
    assembled = _get(anna, town.a.url)  # makes the shared render, keeps it, adds Anna's slots
    app.config["CIVIC_PERSONAL_SLOTS"] = False
    with count_queries() as whole_counter:
        whole = _get(anna, town.a.url)
    app.config["CIVIC_PERSONAL_SLOTS"] = True
    assert _without_tokens(assembled) == _without_tokens(whole)
    assert _ACCOUNT.search(assembled).group(1) == "Anna Rossi"
    assert SAVE in assembled and len(_tokens(assembled)) == 1
    assert "<!--civic:slot" not in assembled
    with count_queries() as kept_counter:
        again = _get(anna, town.a.url)
    assert _without_tokens(again) == _without_tokens(whole)
    assert kept_counter.count < whole_counter.count, (kept_counter.statements, whole_counter.statements)


def test_two_citizens_in_a_row_see_only_their_own(app, town):
    anna, bruno = _signed_in(app, "anna@example.org"), _signed_in(app, "bruno@example.org")
    first, second = _get(anna, town.a.url), _get(bruno, town.a.url)
    assert _ACCOUNT.search(first).group(1) == "Anna Rossi"
    assert _ACCOUNT.search(second).group(1) == "Bruno Neri"
    assert len(_tokens(first)) == 1 and len(_tokens(second)) == 1
    assert not _tokens(first) & _tokens(second)


def test_the_slots_token_sends_the_answer_and_already_answered_shows_at_once(app, town):
    anna, bruno = _signed_in(app, "anna@example.org"), _signed_in(app, "bruno@example.org")
    _get(bruno, town.a.url)  # the shared render is kept
    page = _get(anna, town.a.url)  # from it
    (token,) = _tokens(page)
    sent = anna.post(town.a.url, data={"csrf_token": token, town.a.choice: town.a.yes})
    assert sent.status_code == 302 and sent.headers["Location"].endswith(f"{town.a.url}/thanks")
    assert _participations(app, town.a.id) == 1
    after = _get(anna, town.a.url)
    assert ANSWERED in after and 'id="survey-form"' not in after
    for_bruno = _get(bruno, town.a.url)
    assert ANSWERED not in for_bruno and 'id="survey-form"' in for_bruno


def test_a_saved_draft_fills_the_form_at_once(app, town):
    anna, bruno = _signed_in(app, "anna@example.org"), _signed_in(app, "bruno@example.org")
    page = _get(anna, town.a.url)
    saved = anna.post(town.a.url, data={"csrf_token": _tokens(page).pop(), "move": "save",
                                        town.a.words: "Per lavorare vicino"})
    assert saved.status_code == 302
    anna.get(town.a.url)  # the message (rendered whole)
    resumed = _get(anna, town.a.url)
    assert "Stai continuando con le risposte salvate" in resumed and 'value="Per lavorare vicino"' in resumed
    assert "Per lavorare vicino" not in _get(bruno, town.a.url)


def test_an_answer_to_one_survey_leaves_the_others_page_kept(app, town, count_queries):
    anna = _signed_in(app, "anna@example.org")
    _get(anna, town.a.url)
    with count_queries() as kept:
        _get(anna, town.a.url)
    assert answer(app.test_client(), town.b.id, {town.b.choice: town.b.yes}).status_code == 302
    with count_queries() as after:
        _get(anna, town.a.url)
    assert after.count == kept.count, after.statements


# Who gets the kept render with their slots: whoever the survey's rule lets answer (Anna is confirmed and a
# verified resident of the body, Bruno is confirmed, Carla is not); an invitation's survey is rendered whole.
AUDIENCES = [("members", "anna", True), ("members", "carla", True), ("confirmed", "anna", True),
             ("confirmed", "carla", False), ("residents", "anna", True), ("residents", "bruno", False),
             ("invited", "anna", False)]


@pytest.mark.parametrize(("name", "who", "may_answer"), AUDIENCES)
def test_a_person_the_rule_lets_answer_gets_the_kept_render_the_others_the_whole(
        app, town, name, who, may_answer, count_queries):
    url = getattr(town, name).url
    person = _signed_in(app, f"{who}@example.org")
    first = _get(person, url)
    with count_queries() as counter:
        again = _get(person, url)
    app.config["CIVIC_PERSONAL_SLOTS"] = False
    whole = _get(person, url)
    app.config["CIVIC_PERSONAL_SLOTS"] = True
    assert _without_tokens(first) == _without_tokens(again) == _without_tokens(whole)
    assert ('id="survey-form"' in first) == may_answer
    assert (counter.count == PINNED) == may_answer, counter.statements


def test_the_form_kept_for_those_who_may_answer_reaches_nobody_else(app, town):
    """Anna's visit keeps the page made for people who may answer the confirmed accounts' survey; Carla,
    unconfirmed, and an anonymous visitor still get theirs, without the form."""
    anna, carla = _signed_in(app, "anna@example.org"), _signed_in(app, "carla@example.org")
    assert 'id="survey-form"' in _get(anna, town.confirmed.url)
    refused = _get(carla, town.confirmed.url)
    assert 'id="survey-form"' not in refused and "Conferma" in refused
    anonymous = app.test_client().get(town.confirmed.url).get_data(as_text=True)
    assert 'id="survey-form"' not in anonymous and 'href="/account/login' in anonymous
    bruno = _signed_in(app, "bruno@example.org")
    assert 'id="survey-form"' not in _get(bruno, town.residents.url)
    assert 'id="survey-form"' in _get(anna, town.residents.url)
    assert 'id="survey-form"' not in _get(bruno, town.residents.url)


@pytest.mark.parametrize("name", ["closed", "members"])
def test_an_anonymous_page_without_a_form_is_kept_with_no_token_or_cookie(app, town, name, count_queries):
    url = getattr(town, name).url
    first = app.test_client().get(url)
    assert first.status_code == 200 and "Set-Cookie" not in first.headers
    assert not _tokens(first.get_data(as_text=True))
    with count_queries() as counter:
        second = app.test_client().get(url)
    assert counter.count == 0, counter.statements
    assert second.get_data() == first.get_data() and second.headers["Cache-Control"] == "public, no-cache"


def test_an_anonymous_visitor_who_may_answer_gets_their_own_page(app, town):
    """The token cookie is set on the GET (the rule of one answer per browser, even for a double click) and
    the form carries the session's token: that page is never kept, nor the "already answered" one a
    browser's cookie gives."""
    browser = app.test_client()
    first = browser.get(town.a.url)
    assert "civic_survey_token=" in first.headers["Set-Cookie"]
    assert len(_tokens(first.get_data(as_text=True))) == 1
    assert answer(browser, town.a.id, {town.a.choice: town.a.yes}).status_code == 302
    assert ANSWERED in browser.get(town.a.url).get_data(as_text=True)
    other = app.test_client().get(town.a.url).get_data(as_text=True)
    assert ANSWERED not in other and len(_tokens(other)) == 1


# Who the person is the process knows (civic/accounts/people.py), and so is what decides how their page is
# made (the survey's rule, their answer, their draft, their residence: read once, then kept with them until
# the survey's generation moves). The whole render: the person, the survey and its structure (five), the
# identity and residence, their answer, their draft, the notifications.
PINNED, WHOLE = 0, 10


def test_statements_of_the_signed_in_survey_page_from_the_kept_render(app, town, count_queries):
    anna = _signed_in(app, "anna@example.org")
    _get(anna, town.a.url)
    with count_queries() as counter:
        _get(anna, town.a.url)
    assert counter.count == PINNED, counter.statements
    app.config["CIVIC_PERSONAL_SLOTS"] = False
    with count_queries() as whole:
        _get(anna, town.a.url)
    app.config["CIVIC_PERSONAL_SLOTS"] = True
    assert whole.count == WHOLE, whole.statements


@pytest.mark.html
def test_the_assembled_survey_page_is_valid_html(app, town):
    anna = _signed_in(app, "anna@example.org")
    _get(anna, town.a.url)
    assert_valid_html({"survey, signed in": _get(anna, town.a.url)})


def test_what_decides_the_page_is_read_again_after_a_draft_saved_or_an_answer_sent_elsewhere(
        app, town, count_queries):
    # Anna's state is kept with her after one read; her draft saved in another browser, then her answer sent
    # from a third, each make the next page read it again (and show it), where no statement ran before.
    anna, phone, laptop = (_signed_in(app, "anna@example.org") for _ in range(3))
    _get(anna, town.a.url)
    with count_queries() as kept:
        assert 'id="survey-form"' in _get(anna, town.a.url)
    assert kept.count == 0, kept.statements
    saved = phone.post(town.a.url, data={"csrf_token": _tokens(_get(phone, town.a.url)).pop(),
                                         "move": "save", town.a.words: "Per lavorare vicino"})
    assert saved.status_code == 302
    with count_queries() as after_draft:
        assert 'value="Per lavorare vicino"' in _get(anna, town.a.url)
    assert after_draft.count > 0
    page = _get(laptop, town.a.url)
    sent = laptop.post(town.a.url, data={"csrf_token": _tokens(page).pop(), town.a.choice: town.a.yes})
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/thanks")
    assert ANSWERED in _get(anna, town.a.url)


@pytest.mark.parametrize("survey", ["a", "residents"])
def test_her_state_goes_with_her_to_another_process_until_the_survey_changes(app, town, survey,
                                                                            count_queries):
    """What decides her page (the survey's rule, that she has not answered, until when she is a verified
    resident) is shelved with her (civic/accounts/people.py): another process of the machine gives her the
    page without a statement; once she has answered, no process shows her the form kept before."""
    chosen = getattr(town, survey)
    anna = _signed_in(app, "anna@example.org")
    page = _get(anna, chosen.url)
    assert 'id="survey-form"' in page
    forget_people(app, shelf=False)  # another worker process of this machine
    with count_queries() as counter:
        there = _get(anna, chosen.url)
    assert counter.count == 0, counter.statements
    assert _without_tokens(there) == _without_tokens(page)
    sent = anna.post(chosen.url, data={"csrf_token": _tokens(there).pop(), chosen.choice: chosen.yes})
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/thanks")
    forget_people(app, shelf=False)
    assert ANSWERED in _get(anna, chosen.url)


def test_a_residence_that_ends_while_the_state_is_kept_ends_the_form_at_once(app, town, in_db):
    """Bruno becomes a verified resident for a few seconds: his state is kept with him with the end of his
    verification, so his first page after it shows the residents' survey without its form, though nothing was
    written to tell the process."""
    ends = utcnow() + dt.timedelta(seconds=4)

    def verify():
        bruno = db.session.scalar(select(User).where(User.email == "bruno@example.org"))
        body = db.session.scalar(select(Body).where(Body.slug == "comune-di-novi-ligure"))
        db.session.add(Verification(user_id=bruno.id, body_id=body.id, method=Method.IDENTITY, level=2,
                                    verified_at=utcnow() - dt.timedelta(days=1), expires_at=ends))
        db.session.commit()

    in_db(verify)
    bruno = _signed_in(app, "bruno@example.org")
    assert 'id="survey-form"' in _get(bruno, town.residents.url)
    assert utcnow() < ends, "the machine took longer than the verification lasts"
    time.sleep((ends - utcnow()).total_seconds() + 0.3)
    assert 'id="survey-form"' not in _get(bruno, town.residents.url)
