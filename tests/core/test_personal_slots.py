"""Signed-in citizens get the kept public page with their personal parts rendered for them
(civic/core/slots.py): the page they get is the page a whole render gives them, nobody gets another
person's name, token or state, their own changes show at once, and it costs a few statements instead of a
whole render."""
from __future__ import annotations

import re
import time

import pytest

from civic.accounts.auth import SEEN
from civic.bodies.models import Body
from civic.core import slots
from civic.database import db
from tests.browser.ui import log_in
from tests.comments.factories import make_comment
from tests.conftest import AuthActions, post_form
from tests.factories import PASSWORD, make_body, make_user
from tests.interest.factories import make_call
from tests.meetings.factories import make_consultation, make_meeting
from tests.motions.factories import make_motion
from tests.support.checks import assert_accessible, assert_valid_html
from tests.support.people import forget_people

_TOKEN = re.compile(r'(name="csrf_token"[^>]*value=")([^"]+)(")')
_ACCOUNT = re.compile(r'class="btn btn-primary btn-sm civic-account-link" href="[^"]*">([^<]+)</a>')


@pytest.fixture
def site(app):
    with app.app_context():
        body = make_body()
        consultation = make_consultation(body, title="Coworking a Novi")
        motion = make_motion(body, title="Spazi di coworking nei municipi", consultation_id=consultation.id)
        meeting = make_meeting(consultation, capacity=10, title="Incontro sul coworking")
        anna = make_user("anna@example.org", name="Anna Rossi")
        bruno = make_user("bruno@example.org", name="Bruno Neri")
        make_comment(anna, "Serve un posto tranquillo.", motion=motion)
        make_comment(bruno, "Anche la sera, per favore.", consultation=consultation)
        db.session.commit()
        return {"motion": f"/motions/{motion.id}", "motion_id": motion.id,
                "consultation": f"/consultations/{consultation.slug}/", "meeting": f"/meetings/{meeting.id}",
                "meeting_id": meeting.id, "home": "/"}


PAGES = ("home", "motion", "consultation", "meeting")


def _signed_in(app, email: str):
    client = app.test_client()
    AuthActions(client).login(email, PASSWORD)
    client.get("/account/")  # the log-in message is shown (and such a page is rendered whole)
    return client


def _tokens(html: str) -> set[str]:
    return {found.group(2) for found in _TOKEN.finditer(html)}


def _without_tokens(html: str) -> str:
    return _TOKEN.sub(r"\1TOKEN\3", html)


def _get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.headers["Cache-Control"] == "no-store"  # a page with a person's token is never kept
    return response.get_data(as_text=True)


@pytest.mark.parametrize("page", PAGES)
def test_the_assembled_page_is_the_whole_render(app, site, page, count_queries):
    url = site[page]
    assert app.test_client().get(url).status_code == 200  # an anonymous visit keeps the page
    anna = _signed_in(app, "anna@example.org")
    with count_queries() as counter:
        assembled = _get(anna, url)
    app.config["CIVIC_PERSONAL_SLOTS"] = False
    with count_queries() as whole_counter:
        whole = _get(anna, url)
    app.config["CIVIC_PERSONAL_SLOTS"] = True
    assert _without_tokens(assembled) == _without_tokens(whole)
    assert _ACCOUNT.search(assembled).group(1) == "Anna Rossi"
    assert "<!--civic:slot" not in assembled
    assert counter.count < whole_counter.count, (counter.statements, whole_counter.statements)


@pytest.mark.parametrize("page", PAGES)
def test_two_people_in_a_row_on_one_kept_page_see_only_their_own(app, site, page):
    url = site[page]
    anna, bruno = _signed_in(app, "anna@example.org"), _signed_in(app, "bruno@example.org")
    first = _get(anna, url)  # renders the shared page, keeps it, adds Anna's parts
    second = _get(bruno, url)  # the kept page with Bruno's parts
    assert _ACCOUNT.search(first).group(1) == "Anna Rossi"
    assert _ACCOUNT.search(second).group(1) == "Bruno Neri"
    assert _tokens(first) and _tokens(second)
    assert not _tokens(first) & _tokens(second)
    assert len(_tokens(second)) == 1  # one token for every form of Bruno's page
    anonymous = app.test_client().get(url).get_data(as_text=True)
    assert not _tokens(anonymous) and "Anna Rossi" not in anonymous.split("<main")[0]
    assert "civic:slot" not in anonymous
    assert "Bruno Neri" not in anonymous.split("<main")[0]


def test_comment_controls_are_each_readers_own(app, site):
    anna, bruno = _signed_in(app, "anna@example.org"), _signed_in(app, "bruno@example.org")
    for_anna, for_bruno = _get(anna, site["motion"]), _get(bruno, site["motion"])
    # Anna wrote the comment: she may correct it, not report it; Bruno the other way round.
    assert "Correggi" in for_anna and "/report" not in for_anna
    assert "Correggi" not in for_bruno and "/report" in for_bruno
    assert "Scrivi un commento" in for_anna and "Scrivi un commento" in for_bruno
    anonymous = app.test_client().get(site["motion"]).get_data(as_text=True)
    assert "Scrivi un commento" not in anonymous and "Correggi" not in anonymous


_COMMENT_BOX = re.compile(r'<form method="post" action="(/comments/motion/\d+/new)".*?</form>', re.DOTALL)


def test_the_comment_box_kept_per_process_carries_each_readers_token_and_sends(app, site):
    """The box to write a comment is rendered once per process and thing; each reader gets it with their
    own token, and it publishes their comment."""
    anna, bruno = _signed_in(app, "anna@example.org"), _signed_in(app, "bruno@example.org")
    for_anna, for_bruno = _COMMENT_BOX.search(_get(anna, site["motion"])), _COMMENT_BOX.search(
        _get(bruno, site["motion"]))
    assert _without_tokens(for_anna.group(0)) == _without_tokens(for_bruno.group(0))
    assert len(_tokens(for_anna.group(0))) == 1 and _tokens(for_anna.group(0)) != _tokens(for_bruno.group(0))
    sent = bruno.post(for_bruno.group(1), data={"csrf_token": _tokens(for_bruno.group(0)).pop(),
                                                "text": "Anche il sabato mattina."})
    assert sent.status_code == 302
    bruno.get(sent.headers["Location"])  # the message
    assert "Anche il sabato mattina." in _get(anna, site["motion"])


def test_a_support_with_the_slots_token_shows_at_once_and_only_for_that_person(app, site):
    anna, bruno = _signed_in(app, "anna@example.org"), _signed_in(app, "bruno@example.org")
    page = _get(anna, site["motion"])
    assert "Ritira il mio sostegno" not in page
    form = re.search(r'action="(/motions/\d+/support)">\s*<input[^>]*value="([^"]+)"', page)
    assert anna.post(form.group(1), data={"csrf_token": form.group(2)}).status_code == 302
    anna.get(site["motion"])  # the thank-you message (rendered whole)
    after = _get(anna, site["motion"])
    assert "Ritira il mio sostegno" in after
    assert "1 persona sostiene questa mozione." in after
    for_bruno = _get(bruno, site["motion"])
    assert "Ritira il mio sostegno" not in for_bruno and "Sostieni questa mozione" in for_bruno
    assert "1 persona sostiene questa mozione." in for_bruno


def test_a_registration_shows_at_once_and_its_cancel_form_works(app, site):
    anna, bruno = _signed_in(app, "anna@example.org"), _signed_in(app, "bruno@example.org")
    assert "La tua iscrizione:" not in _get(anna, site["meeting"])
    booked = post_form(anna, f"/meetings/{site['meeting_id']}/register",
                       {"category": "cittadini", "accessibility_needs": "", "note": ""})
    assert booked.status_code == 302
    anna.get(site["meeting"])  # the message
    page = _get(anna, site["meeting"])
    assert "La tua iscrizione:" in page and "Annulla la mia iscrizione" in page
    assert "La tua iscrizione:" not in _get(bruno, site["meeting"])
    cancel = re.search(r'action="([^"]*cancel[^"]*)">\s*<input[^>]*value="([^"]+)"', page)
    assert anna.post(cancel.group(1), data={"csrf_token": cancel.group(2)}).status_code == 302
    anna.get(site["meeting"])
    assert "La tua iscrizione:" not in _get(anna, site["meeting"])


def test_her_registration_goes_with_her_to_another_process_until_the_meeting_changes(app, site,
                                                                                     count_queries):
    """The meeting page's registration is shelved with the person (civic/accounts/people.py): another
    process of the machine, which the server may hand her next page to, shows it without a statement; once
    she cancels, no process shows the registration kept before."""
    anna = _signed_in(app, "anna@example.org")
    booked = post_form(anna, f"/meetings/{site['meeting_id']}/register",
                       {"category": "cittadini", "accessibility_needs": "", "note": ""})
    assert booked.status_code == 302
    anna.get(site["meeting"])  # the message
    page = _get(anna, site["meeting"])
    assert "La tua iscrizione:" in page
    forget_people(app, shelf=False)  # another worker process of this machine
    with count_queries() as counter:
        there = _get(anna, site["meeting"])
    assert counter.count == 0, counter.statements
    assert _without_tokens(there) == _without_tokens(page)
    cancel = re.search(r'action="([^"]*cancel[^"]*)">\s*<input[^>]*value="([^"]+)"', there)
    assert anna.post(cancel.group(1), data={"csrf_token": cancel.group(2)}).status_code == 302
    anna.get(site["meeting"])  # the message
    forget_people(app, shelf=False)
    assert "La tua iscrizione:" not in _get(anna, site["meeting"])


def test_a_follow_with_the_slots_token_shows_at_once(app, site):
    anna, bruno = _signed_in(app, "anna@example.org"), _signed_in(app, "bruno@example.org")
    page = _get(anna, site["consultation"])
    form = re.search(r'action="([^"]*/follow/[^"]*)">\s*<input[^>]*value="([^"]+)"', page)
    response = anna.post(form.group(1), data={"csrf_token": form.group(2), "next": site["consultation"]})
    assert response.status_code == 302
    anna.get(site["consultation"])
    assert "Lo segui: sei avvisato di cosa cambia." in _get(anna, site["consultation"])
    assert "Lo segui: sei avvisato di cosa cambia." not in _get(bruno, site["consultation"])


def test_a_councillor_gets_the_whole_page_with_the_management_links(app, site):
    assert app.test_client().get(site["motion"]).status_code == 200  # kept for the anonymous
    with app.app_context():
        make_user("consigliera@example.org", name="Carla Verdi", councillor_of=db.session.scalars(
            db.select(Body)).first())
    carla = _signed_in(app, "consigliera@example.org")
    page = _get(carla, site["motion"])
    # The Manage menu and "Manage this motion".
    assert 'href="/manage/"' in page and f'href="/manage/motions/{site["motion_id"]}/"' in page
    assert _ACCOUNT.search(page).group(1) == "Carla Verdi"
    assert 'href="/manage/"' not in _get(_signed_in(app, "anna@example.org"), site["motion"])


# Who the person is (with their roles, unread count and follows) the process knows (civic/accounts/people.py);
# then one read per slot kind that needs one: the support, the registration. A whole render of these
# pages takes 7 to 17.
PINNED = {"home": 0, "motion": 1, "consultation": 0, "meeting": 0}


@pytest.mark.parametrize("page", PAGES)
def test_statements_of_a_signed_in_page_from_the_kept_render(app, site, page, count_queries):
    anna = _signed_in(app, "anna@example.org")
    _get(anna, site[page])
    with count_queries() as counter:
        _get(anna, site[page])
    assert counter.count == PINNED[page], counter.statements


@pytest.mark.parametrize("page", ["home", "motion"])
def test_a_session_last_seen_minutes_ago_still_gets_the_kept_page(app, site, page, count_queries):
    """The session cookie's time of the last request is refreshed at most once a minute; the refresh is
    written after the view, so the person still gets the kept page (it is not a render that writes to the
    session) and their cookie is moved on."""
    anna = _signed_in(app, "anna@example.org")
    _get(anna, site[page])
    with anna.session_transaction() as session:
        session[SEEN] = int(time.time()) - 10 * 60
    with count_queries() as counter:
        response = anna.get(site[page])
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert counter.count == PINNED[page], counter.statements
    assert any(cookie.startswith("civic_session=") for cookie in response.headers.getlist("Set-Cookie"))
    with anna.session_transaction() as session:
        assert int(time.time()) - session[SEEN] < 5


@pytest.mark.html
def test_assembled_pages_are_valid_html(app, site):
    anna = _signed_in(app, "anna@example.org")
    assert_valid_html({page: _get(anna, site[page]) for page in PAGES})


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_assembled_pages_have_no_accessibility_violations(live_server, page, site, width):
    page.set_viewport_size({"width": width, "height": 900})
    for path in PAGES:
        page.goto(live_server.url + site[path])  # kept for the anonymous
    log_in(page, live_server.url, "anna@example.org")
    for path in PAGES:
        page.goto(live_server.url + site[path])
        assert page.locator(".civic-account-link").inner_text() == "Anna Rossi"
        assert_accessible(page)


def test_a_page_not_made_of_slots_is_rendered_whole_for_a_signed_in_citizen(app, site):
    """The call for interest keeps its personal parts in the page itself (not slots): after an anonymous
    visit has kept it, a signed-in citizen still gets their own page (no "Log in to declare")."""
    with app.app_context():
        call_id = make_call().id
    url = f"/interest/{call_id}"
    assert "/account/login?next=" in app.test_client().get(url).get_data(as_text=True)
    page = _get(_signed_in(app, "anna@example.org"), url)
    assert "/account/login?next=" not in page and _ACCOUNT.search(page).group(1) == "Anna Rossi"


def test_a_text_imitating_the_markers_stays_text(app):
    with app.test_request_context("/"):
        slots.start_marking()
        page = ("<p><!--civic:slot 0-->fake<!--/civic:slot--></p>"
                + str(slots.personal("core/_join.html")) + "<p>fine</p>")
        body, parts = slots.split(page.encode(), slots.stop_marking())
    assert body.decode().startswith("<p><!--civic:slot 0-->fake<!--/civic:slot--></p>")
    assert "Partecipa" in body.decode() and "civic:slot " not in body.decode()[60:]
    assert [part for part in parts if not isinstance(part, str)] == [("core/_join.html", {})]
