"""Who a signed-in citizen is, kept in each server process for the kept public pages
(civic/accounts/people.py): a page costs no statement to know them, yet a role granted, a sign-out, a
new notification or a change made by raw SQL shows at the very next page, in every process."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text

from civic.accounts import services as accounts
from civic.accounts.models import AuthSession, User
from civic.bodies.models import Body
from civic.database import db, utcnow
from civic.meetings import services as meetings
from civic.meetings.models import Registration
from civic.notifications.models import Follow, Notification
from tests.core.test_personal_slots import _ACCOUNT, _get, _signed_in
from tests.factories import PASSWORD, make_body, make_user
from tests.meetings.factories import make_meeting
from tests.motions.factories import make_motion
from tests.motions.test_support import _browser, _token
from tests.support.people import forget_people

MANAGE = 'href="/manage/"'
UNREAD = "da leggere"


@pytest.fixture
def town(app):
    with app.app_context():
        body = make_body()
        make_user("anna@example.org", name="Anna Rossi")
        make_user("admin@example.org", name="Amministratrice", admin=True)
        motion = make_motion(body, title="Spazi di coworking nei municipi")
        return {"body_id": body.id, "motion": f"/motions/{motion.id}", "motion_id": motion.id}


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _kept_home(app, count_queries, client) -> str:
    """Anna's home page once the process knows her: no statement at all."""
    _get(client, "/")
    with count_queries() as counter:
        html = _get(client, "/")
    assert counter.count == 0, counter.statements
    return html


def test_a_known_citizen_costs_no_statement_and_sees_their_own_name(app, town, count_queries):
    anna = _signed_in(app, "anna@example.org")
    html = _kept_home(app, count_queries, anna)
    assert _ACCOUNT.search(html).group(1) == "Anna Rossi" and MANAGE not in html


def test_a_log_in_or_sign_up_of_someone_else_leaves_the_known_people_known(app, town, count_queries):
    anna = _signed_in(app, "anna@example.org")
    _kept_home(app, count_queries, anna)
    _signed_in(app, "admin@example.org")  # a new login session
    with app.app_context():
        make_user("carla@example.org", name="Carla Bianchi")  # a new account
    with count_queries() as counter:
        html = _get(anna, "/")  # a new account is a public write: the shared page is made again, not Anna
    assert not [s for s in counter.statements if "auth_sessions" in s or "notifications" in s], \
        counter.statements
    assert _ACCOUNT.search(html).group(1) == "Anna Rossi"


def test_without_people_kept_each_page_reads_the_person(app, town, count_queries, monkeypatch):
    monkeypatch.delitem(app.extensions, "civic_people")  # as CIVIC_PEOPLE_KEPT = 0 leaves it
    anna = _signed_in(app, "anna@example.org")
    _get(anna, "/")
    with count_queries() as counter:
        html = _get(anna, "/")
    assert counter.count == 2, counter.statements  # the person with their roles, their unread count
    assert _ACCOUNT.search(html).group(1) == "Anna Rossi"


def test_a_role_granted_shows_at_the_next_page(app, town, count_queries):
    anna = _signed_in(app, "anna@example.org")
    _kept_home(app, count_queries, anna)
    with app.app_context():
        accounts.grant_councillor(_user("admin@example.org"), _user("anna@example.org"),
                                  db.session.get(Body, town["body_id"]))
        db.session.commit()
    page = anna.get("/").get_data(as_text=True)
    assert MANAGE in page  # a councillor's page is rendered whole, with the management links
    assert anna.get("/manage/").status_code == 200


def test_a_sign_out_elsewhere_ends_the_kept_person(app, town, count_queries):
    anna = _signed_in(app, "anna@example.org")
    _kept_home(app, count_queries, anna)
    with app.app_context():
        accounts.end_all_sessions(_user("anna@example.org"))  # as a password change does
        db.session.commit()
    page = anna.get("/").get_data(as_text=True)
    assert _ACCOUNT.search(page).group(1) == "Accedi"


def test_a_raw_sql_change_shows_at_the_next_page(app, town, count_queries):
    anna = _signed_in(app, "anna@example.org")
    _kept_home(app, count_queries, anna)
    with app.app_context():
        db.session.execute(text("UPDATE users SET display_name = 'Anna Maria Rossi' "
                                "WHERE email = 'anna@example.org'"))
        db.session.commit()
    assert _ACCOUNT.search(_get(anna, "/")).group(1) == "Anna Maria Rossi"
    with app.app_context():
        db.session.execute(delete(AuthSession))
        db.session.commit()
    assert _ACCOUNT.search(anna.get("/").get_data(as_text=True)).group(1) == "Accedi"


def test_a_new_notification_and_its_reading_show_in_the_count_at_once(app, town, count_queries):
    anna = _signed_in(app, "anna@example.org")
    assert UNREAD not in _kept_home(app, count_queries, anna)
    with app.app_context():
        db.session.add(Notification(user_id=_user("anna@example.org").id, kind="motion_voted",
                                    target="motion", target_id=town["motion_id"],
                                    title="Spazi di coworking nei municipi", url=town["motion"]))
        db.session.commit()
    page = _get(anna, town["motion"])
    assert f'1<span class="visually-hidden"> {UNREAD}</span>' in page
    inbox = anna.get("/notifications/").get_data(as_text=True)
    assert anna.post("/notifications/read", data={"csrf_token": _token(inbox)}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Notification.read_at)) is not None
    anna.get("/notifications/")  # the message
    assert UNREAD not in _get(anna, town["motion"])


def test_what_they_follow_is_known_and_a_follow_made_elsewhere_shows_at_once(app, town, count_queries):
    anna = _signed_in(app, "anna@example.org")
    _get(anna, town["motion"])
    with count_queries() as counter:
        page = _get(anna, town["motion"])
    assert "Non seguire più" not in page
    assert not [s for s in counter.statements if "follows" in s], counter.statements
    with app.app_context():  # as another device of hers, or a support's automatic follow, would
        db.session.add(Follow(user_id=_user("anna@example.org").id, target="motion",
                              target_id=town["motion_id"]))
        db.session.commit()
    assert "Non seguire più" in _get(anna, town["motion"])


def test_a_person_new_to_the_process_is_read_with_what_they_follow_in_the_same_statement(app, town,
                                                                                         count_queries):
    with app.app_context():
        anna_id = _user("anna@example.org").id
        db.session.add_all([Follow(user_id=anna_id, target="motion", target_id=town["motion_id"]),
                            Follow(user_id=anna_id, target="meeting", target_id=town["motion_id"] + 1000)])
        db.session.commit()
    anna = _signed_in(app, "anna@example.org")
    _get(anna, town["motion"])  # the shared page made and kept
    forget_people(app)  # as a process of another machine, which has not met her yet
    with count_queries() as counter:
        page = _get(anna, town["motion"])
    assert "Non seguire più" in page
    assert len([s for s in counter.statements if "follows" in s]) == 1, counter.statements
    assert [s for s in counter.statements if "follows" in s][0].lstrip().startswith("SELECT users.id")


def test_a_promotion_from_the_waiting_list_by_someone_elses_cancellation_shows_at_once(app, town,
                                                                                      count_queries):
    """The registration on the meeting page is kept with the person while the meeting's page is unchanged;
    a seat freed by another person's cancellation moves the page on, and her registration with it."""
    with app.test_request_context("/"):  # tickets go by e-mail, with links to the site
        meeting = make_meeting(capacity=1, title="Incontro sul coworking")
        meeting_id, url = meeting.id, f"/meetings/{meeting.id}"
        bruno = make_user("bruno@example.org", name="Bruno Neri")
        first = meetings.register(meeting, bruno, "cittadini")
        meetings.register(meeting, _user("anna@example.org"), "cittadini")
        db.session.commit()
        first_id = first.id
    anna = _signed_in(app, "anna@example.org")
    assert "In lista d’attesa" in _get(anna, url)
    with count_queries() as counter:
        waiting = _get(anna, url)
    assert counter.count == 0, counter.statements
    with app.test_request_context("/"):  # the promoted person is told by e-mail
        promoted = meetings.cancel_registration(db.session.get(Registration, first_id))
        db.session.commit()
        assert [r.meeting_id for r in promoted] == [meeting_id]
    page = _get(anna, url)
    assert "Mostra il mio biglietto" in page and "Mostra il mio biglietto" not in waiting


def test_a_page_rendered_whole_gets_the_person_read_afresh(app, town, count_queries):
    """After kept pages, a view that writes (a support) gets the account from the database: the support is
    stored and shows at once."""
    anna = _signed_in(app, "anna@example.org")
    _kept_home(app, count_queries, anna)
    page = _get(anna, town["motion"])
    sent = anna.post(f"{town['motion']}/support", data={"csrf_token": _token(page)})
    assert sent.status_code == 302
    assert "1 persona sostiene questa mozione." in _get(anna, town["motion"])


@pytest.mark.slow
def test_every_server_process_reads_the_person_again_after_a_role_change(app, town, gunicorn_server):
    """Four gunicorn workers each know Anna; a role granted by another process reaches all of them."""
    base = gunicorn_server.url
    browser = _browser()
    _status, login_page = browser(f"{base}/account/login")
    assert browser(f"{base}/account/login", {"email": "anna@example.org", "password": PASSWORD,
                                             "csrf_token": _token(login_page)})[0] == 302
    before = [browser(f"{base}/")[1] for _ in range(24)]  # enough for every worker to know her
    assert all("Anna Rossi" in html and MANAGE not in html for html in before)
    with app.app_context():
        accounts.grant_councillor(_user("admin@example.org"), _user("anna@example.org"),
                                  db.session.get(Body, town["body_id"]))
        db.session.commit()
    after = [browser(f"{base}/")[1] for _ in range(24)]
    assert all(MANAGE in html for html in after)
    with app.app_context():
        db.session.execute(delete(AuthSession).where(AuthSession.expires_at > utcnow()))
        db.session.commit()
    gone = [browser(f"{base}/")[1] for _ in range(24)]
    assert all("Anna Rossi" not in html for html in gone)


def test_a_person_new_to_the_process_is_read_with_their_unread_count_in_one_statement(app, town,
                                                                                      count_queries):
    with app.app_context():
        for _ in range(2):
            db.session.add(Notification(user_id=_user("anna@example.org").id, kind="motion_voted",
                                        target="motion", target_id=town["motion_id"],
                                        title="Spazi di coworking nei municipi", url=town["motion"]))
        db.session.commit()
    anna = _signed_in(app, "anna@example.org")
    _get(anna, "/")  # the shared page made and kept
    forget_people(app)  # as a process of another machine, which has not met her yet
    with count_queries() as counter:
        html = _get(anna, "/")
    assert counter.count == 1, counter.statements  # who she is, her roles and the menu's count together
    assert _ACCOUNT.search(html).group(1) == "Anna Rossi"
    assert f"2<span class=\"visually-hidden\"> {UNREAD}</span>" in html
