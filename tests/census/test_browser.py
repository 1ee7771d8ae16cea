"""In Debian's Chromium, through the demo identity provider: a newcomer is refused a resident-only survey,
is verified by the census with the keyboard, answers once, deletes the account, signs in again with the same
identity and is told they already answered; nothing stored about the answer points back at them. And the
new pages (residence check, residents lists) have no axe violations at 1280 and 390 pixels, in Italian and
English, and are valid HTML."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from civic.accounts import passwords
from civic.accounts.models import User
from civic.census.eligibility import Audience
from civic.database import db
from civic.identity.demo_idp.residents import RESIDENTS
from civic.surveys.models import Participation, QuestionKind, Response, SurveyStatus
from tests.census.support import load
from tests.conftest import csrf_token
from tests.consultations.factories import make_consultation
from tests.factories import make_body, make_user
from tests.support.checks import assert_accessible, assert_valid_html
from tests.surveys.factories import add_question, make_survey

GIULIA = RESIDENTS[0]
PASSWORD = "a password Giulia set with the reset link"
FOCUSED_TEXT = "() => (document.activeElement.textContent || '').replace(/\\s+/g, ' ').trim()"


def _scene(site) -> tuple[int, int]:
    with site.app_context():
        body = make_body("novi", "Comune di Novi Ligure")
        load(body, GIULIA, allows_declared=True)
        survey = make_survey(make_consultation(body, slug="coworking"), title="Per i residenti di Novi",
                             status=SurveyStatus.OPEN)
        survey.audience = Audience.RESIDENT
        add_question(survey, QuestionKind.SHORT_TEXT, "Che cosa ti serve?")
        db.session.commit()
        return survey.id, body.id


def _sign_in_as_giulia(page, base: str, survey_id: int) -> None:
    page.goto(f"{base}/account/login?next=/surveys/{survey_id}")
    page.locator("details.civic-spid summary").click()
    page.get_by_role("link", name="Demo IdP").click()
    page.locator("label[for=resident-giulia]").click()
    page.locator("main form button[value=sign_in]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Crea il tuo account")
    page.locator("label[for=privacy]").click()
    page.get_by_role("button", name="Crea l'account").click()
    expect(page.get_by_text("il tuo account è pronto")).to_be_visible()
    if f"/surveys/{survey_id}" not in page.url:
        page.goto(f"{base}/surveys/{survey_id}")


def _tab_to(page, text: str, limit: int = 80) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED_TEXT) == text:
            return
    raise AssertionError(f"{text!r} never got the focus")


def _verify_with_the_keyboard(page) -> None:
    _tab_to(page, "Verifica la tua residenza")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Verifica la tua residenza")
    _tab_to(page, "Verifica la mia residenza")
    page.keyboard.press("Enter")


@pytest.mark.browser
def test_verified_once_answers_once_even_after_deleting_the_account(demo_site, page):
    site, base = demo_site
    survey_id, _body_id = _scene(site)
    page.goto(f"{base}/surveys/{survey_id}")
    expect(page.get_by_text("Per partecipare servono SPID o CIE e la residenza: Comune di Novi Ligure."))\
        .to_be_visible()

    _sign_in_as_giulia(page, base, survey_id)
    expect(page.get_by_text("Possono partecipare solo i residenti verificati")).to_be_visible()
    expect(page.locator("#survey-form")).to_have_count(0)
    _verify_with_the_keyboard(page)
    expect(page.get_by_text("La tua residenza è verificata: Comune di Novi Ligure.")).to_be_visible()
    page.get_by_label("Che cosa ti serve?").fill("Una sala riunioni")
    page.get_by_role("button", name="Invia le risposte").click()
    expect(page).to_have_url(f"{base}/surveys/{survey_id}/thanks")

    with site.app_context():
        user = db.session.scalar(select(User))
        user.password_hash = passwords.hash_password(PASSWORD)
        db.session.commit()
    page.goto(f"{base}/account/delete")
    page.get_by_label("Password attuale").fill(PASSWORD)
    page.locator("label[for=confirm]").click()
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_text("Il tuo account è stato cancellato.")).to_be_visible()

    _sign_in_as_giulia(page, base, survey_id)
    _verify_with_the_keyboard(page)
    expect(page.get_by_text("Hai già risposto a questo questionario")).to_be_visible()
    expect(page.locator("#survey-form")).to_have_count(0)
    with site.app_context():
        ledger = db.session.execute(select(Participation.user_id, Participation.answered_on)).all()
        assert [tuple(row) for row in ledger] == [(None, None)]
        # Held for an anonymous batch, or released: either way without a person.
        assert db.session.scalars(select(Response.user_id)).all() in ([], [None])


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["it", "en"])
@pytest.mark.parametrize("width", [1280, 390])
def test_the_census_pages_have_no_axe_violations(demo_site, page, lang, width):
    site, base = demo_site
    survey_id, body_id = _scene(site)
    with site.app_context():
        make_user(email="admin@example.org", admin=True, password=PASSWORD)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{base}/?lang={lang}")
    page.goto(f"{base}/account/login")
    page.locator("#email").fill("admin@example.org")
    page.locator("#password").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.goto(f"{base}/census/verify?body={body_id}&next=/surveys/{survey_id}")
    assert_accessible(page)
    page.locator("main form button.btn-outline-primary").click()  # the typed-in check, empty
    expect(page.locator("#form-errors")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{base}/manage/admin/census")
    assert_accessible(page)
    page.locator("main form button[type=submit]").last.click()  # no file chosen
    expect(page.locator("#form-errors")).to_be_visible()
    assert_accessible(page)


@pytest.mark.html
def test_the_census_pages_are_valid_html(demo_site):
    site, base = demo_site
    survey_id, body_id = _scene(site)
    with site.app_context():
        make_user(email="admin@example.org", admin=True, password=PASSWORD)
    client = site.test_client()
    login = client.get("/account/login").get_data(as_text=True)
    client.post("/account/login", data={"email": "admin@example.org", "password": PASSWORD,
                                        "csrf_token": csrf_token(login)})
    verify = client.get(f"/census/verify?body={body_id}&next=/surveys/{survey_id}")
    errors = client.post(f"/census/verify/declaration?body={body_id}",
                         data={"csrf_token": csrf_token(verify.get_data(as_text=True)),
                               "fiscal_code": "XXX", "birth_date": ""})
    admin = client.get("/manage/admin/census")
    bad = client.post("/manage/admin/census",
                      data={"csrf_token": csrf_token(admin.get_data(as_text=True))})
    statuses = (verify.status_code, errors.status_code, admin.status_code, bad.status_code)
    assert statuses == (200, 422, 200, 422)
    assert_valid_html({"verify": verify.get_data(as_text=True),
                       "verify errors": errors.get_data(as_text=True),
                       "residents lists": admin.get_data(as_text=True),
                       "residents lists errors": bad.get_data(as_text=True)})
