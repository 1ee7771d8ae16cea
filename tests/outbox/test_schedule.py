"""Retries: 1, 2, 4 ... minutes apart, then every hour, for three days; a mail server down for two days (far
longer than the two hours after which messages used to fail for good) gets the message once when it returns.
The clock is moved by the test, through the schedule, never waited for."""
from __future__ import annotations

import datetime as dt

from civic.outbox.models import MessageStatus
from tests.outbox.helpers import deliver_at, queue, rows, set_state

NOTHING = {"sent": 0, "retry": 0, "failed": 0}
MINUTE = dt.timedelta(minutes=1)


def test_a_mail_server_down_for_two_days_gets_the_message_once_when_it_returns(app, sink):
    sink.stop()
    queue(app)
    [row] = rows(app)
    now = row.next_attempt_at
    waits = []
    while now < row.created_at + dt.timedelta(days=2):
        assert deliver_at(app, now) == {"sent": 0, "retry": 1, "failed": 0}
        assert deliver_at(app, now + MINUTE / 2) == NOTHING, "not tried again before its time"
        [waiting] = rows(app)
        assert waiting.status == MessageStatus.PENDING and "ConnectionRefusedError" in waiting.last_error
        waits.append(waiting.next_attempt_at - now)
        now = waiting.next_attempt_at
    assert waits[:7] == [MINUTE * n for n in (1, 2, 4, 8, 16, 32, 60)]
    assert set(waits[6:]) == {60 * MINUTE}, "at most an hour apart"
    assert len(waits) > 45, "still tried, every hour, long after the old limit of eight attempts"

    sink.start()  # the mail server is back, on the same address
    assert deliver_at(app, now) == {"sent": 1, "retry": 0, "failed": 0}
    assert deliver_at(app, now + dt.timedelta(days=1)) == NOTHING
    [received] = sink.messages
    assert received["To"] == "person0@example.org"
    [sent] = rows(app)
    assert (sent.status, sent.attempts, sent.last_error) == (MessageStatus.SENT, len(waits) + 1, None)


def test_after_three_days_of_failures_the_message_is_failed_and_left_alone(app, sink):
    sink.refuse_next(1000)  # the server answers, but refuses the message every time (451)
    queue(app)
    [row] = rows(app)
    now = row.next_attempt_at
    outcomes = []
    while True:
        counts = deliver_at(app, now)
        outcomes.append("failed" if counts["failed"] else "retry")
        [row] = rows(app)
        if row.status == MessageStatus.FAILED:
            break
        now = row.next_attempt_at
    assert now - row.created_at >= dt.timedelta(days=3) > now - row.created_at - dt.timedelta(hours=1)
    assert outcomes[-1] == "failed" and set(outcomes[:-1]) == {"retry"}
    assert "451" in row.last_error
    assert deliver_at(app, now + dt.timedelta(days=30)) == NOTHING, "failed stays failed until sent again"
    assert sink.messages == [] and len(sink.refused) == row.attempts


def test_the_schedule_follows_the_settings(app, sink):
    app.config.update(CIVIC_OUTBOX_BACKOFF_SECONDS=30, CIVIC_OUTBOX_BACKOFF_MAX_SECONDS=90,
                      CIVIC_OUTBOX_RETRY_HOURS=0.1)  # 30 s, 60 s, then 90 s apart, for six minutes
    sink.refuse_next(1000)
    queue(app)
    [row] = rows(app)
    now, waits = row.next_attempt_at, []
    while row.status != MessageStatus.FAILED:
        deliver_at(app, now)
        [row] = rows(app)
        waits.append(row.next_attempt_at - now)
        now = row.next_attempt_at
    # Tried at 0, 30, 90, 180, 270 and 360 seconds: the sixth failure comes at the end of the six minutes.
    assert [wait.total_seconds() for wait in waits[:-1]] == [30, 60, 90, 90, 90]
    assert row.attempts == 6


def test_a_message_whose_worker_keeps_dying_is_failed_at_the_end_of_its_retry_period(app, sink):
    [message_id] = queue(app)
    [row] = rows(app)
    stopped = row.created_at + dt.timedelta(days=3)  # its last worker died then, with the period running out
    set_state(app, message_id, status=MessageStatus.SENDING, attempts=80, claimed_at=stopped)
    assert deliver_at(app, stopped + dt.timedelta(minutes=11)) == {"sent": 0, "retry": 0, "failed": 1}
    [failed] = rows(app)
    assert failed.status == MessageStatus.FAILED and "its worker stopped" in failed.last_error
    assert sink.messages == []
