"""/manage/admin/outbox/: administrators see failed and stuck e-mail (recipient masked, subject, attempts,
last error) and send it again, one message or every failed one, with a line in the audit log; so does
`flask --app civic outbox retry`. Nobody else reaches the page."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from civic.audit.models import AuditEntry
from civic.database import db, utcnow
from civic.outbox.models import MessageStatus
from tests.conftest import AuthActions, csrf_token, post_form
from tests.factories import make_body, make_user
from tests.outbox.helpers import ADMIN, PAGE, SUBJECT, deliver_at, queue, rows, set_state


@pytest.fixture
def admin(client, admin_account):
    """The test client, logged in as the administrator."""
    AuthActions(client).login(ADMIN)
    return client


def audit(app) -> list[tuple[str, str, int | None, str, str | None]]:
    """(action, object type, object id, summary, author's e-mail) of each audit line, oldest first."""
    with app.app_context():
        return [(entry.action, entry.object_type, entry.object_id, entry.summary,
                 entry.actor.email if entry.actor else None)
                for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_only_administrators_reach_the_page(app, client, outbox):
    assert client.get(PAGE).status_code == 302  # to the login page
    with app.app_context():
        make_user("carla@example.org")
        make_user("consigliere@example.org", councillor_of=make_body())
    for email in ("carla@example.org", "consigliere@example.org"):
        other = app.test_client()
        AuthActions(other).login(email)
        assert other.get(PAGE).status_code == 403
        assert other.post(f"{PAGE}{outbox['failed']}/retry").status_code in (400, 403)
    assert rows(app)[0].status == MessageStatus.FAILED


def test_the_page_shows_what_needs_attention_with_addresses_masked(app, admin, outbox):
    response = admin.get(PAGE + "?lang=en")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "giulia." not in page, "no whole address on the page"
    assert page.count("g***@example.org") >= 4
    for state in ("failed", "stuck", "retrying", "overdue"):
        assert f'action="/manage/admin/outbox/{outbox[state]}/retry"' in page
    for state in ("waiting", "sent", "sending"):
        assert f'action="/manage/admin/outbox/{outbox[state]}/retry"' not in page
    assert SUBJECT in page and "<td>77</td>" in page
    assert "no such user" in page and "Connection refused" in page
    assert "Stuck: a worker took it at" in page and "no worker took it" in page and "Next try at" in page
    assert "Send the failed message again" in page
    assert "check that the outbox worker" in page
    italian = admin.get(PAGE + "?lang=it").get_data(as_text=True)
    assert "Posta in uscita" in italian and "Bloccati" in italian and "Invia di nuovo" in italian


def test_an_administrator_sends_one_message_again_and_it_leaves(app, admin, outbox, sink):
    response = post_form(admin, PAGE, {}, action=f"{PAGE}{outbox['failed']}/retry", follow_redirects=True)
    assert "verrà inviato di nuovo" in response.get_data(as_text=True)
    failed = next(row for row in rows(app) if row.id == outbox["failed"])
    assert failed.status == MessageStatus.PENDING and failed.requeued_at is not None
    assert audit(app) == [("outbox.retry", "outbox_messages", outbox["failed"], SUBJECT, ADMIN)]

    # The next worker round sends it (and what else is due), and it leaves the page.
    deliver_at(app, utcnow())
    assert SUBJECT in [message["Subject"] for message in sink.messages]
    assert f"/{outbox['failed']}/retry" not in admin.get(PAGE).get_data(as_text=True)


def test_a_message_sent_or_being_sent_is_left_alone(app, admin, outbox):
    before = {row.id: (row.status, row.next_attempt_at) for row in rows(app)}
    for state in ("sent", "sending"):
        response = post_form(admin, PAGE, {}, action=f"{PAGE}{outbox[state]}/retry", follow_redirects=True)
        assert "è stato lasciato com’era" in response.get_data(as_text=True)
    assert {row.id: (row.status, row.next_attempt_at) for row in rows(app)} == before
    assert audit(app) == []


def test_a_made_up_message_or_a_missing_token_changes_nothing(app, admin, outbox):
    assert post_form(admin, PAGE, {}, action=f"{PAGE}999999/retry").status_code == 404
    assert post_form(admin, PAGE, {}, action=f"{PAGE}abc/retry").status_code == 404
    assert admin.post(f"{PAGE}{outbox['failed']}/retry").status_code == 400
    assert admin.post(f"{PAGE}retry-failed").status_code == 400
    assert next(row for row in rows(app) if row.id == outbox["failed"]).status == MessageStatus.FAILED
    assert audit(app) == []


def test_every_failed_message_is_sent_again_at_once(app, admin, outbox):
    more = queue(app, 2, to="marco{n}@example.org")
    for message_id in more:
        set_state(app, message_id, status=MessageStatus.FAILED)
    page = admin.get(PAGE).get_data(as_text=True)
    assert "Invia di nuovo i 3 messaggi non inviati" in page
    response = admin.post(f"{PAGE}retry-failed", data={"csrf_token": csrf_token(page)}, follow_redirects=True)
    assert "3 messaggi non inviati verranno inviati di nuovo" in response.get_data(as_text=True)
    statuses = {row.id: row.status for row in rows(app)}
    assert all(statuses[message_id] == MessageStatus.PENDING for message_id in [outbox["failed"], *more])
    assert statuses[outbox["stuck"]] == MessageStatus.SENDING, "only the failed ones"
    assert sorted(entry[2] for entry in audit(app)) == sorted([outbox["failed"], *more])


def test_the_retry_command(app, runner, outbox):
    result = runner.invoke(args=["outbox", "retry"])
    assert result.exit_code == 2 and "--all-failed" in result.output
    result = runner.invoke(args=["outbox", "retry", "--all-failed", str(outbox["failed"])])
    assert result.exit_code == 2

    result = runner.invoke(args=["outbox", "retry", str(outbox["stuck"]), str(outbox["sent"]), "999999"])
    assert result.exit_code == 1
    assert f"queued to be sent again: #{outbox['stuck']}" in result.output
    assert f"#{outbox['sent']} is sent" in result.output and "no message #999999" in result.output
    assert next(row for row in rows(app) if row.id == outbox["stuck"]).status == MessageStatus.PENDING

    result = runner.invoke(args=["outbox", "retry", "--all-failed"])
    assert result.exit_code == 0 and "1 failed messages queued" in result.output
    assert [row.status for row in rows(app) if row.id == outbox["failed"]] == [MessageStatus.PENDING]
    assert audit(app) == [("outbox.retry", "outbox_messages", outbox["stuck"], "Subject 1", None),
                          ("outbox.retry", "outbox_messages", outbox["failed"], SUBJECT, None)]
