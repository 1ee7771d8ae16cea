"""`flask --app civic periodic`: the platform's periodic work (stuck e-mail put back to send), then each
feature's (meeting reminders), one line each; a failing job does not stop the others, and fails the run so
systemd shows it. The outbox worker leaves periodic work to the timer with --no-periodic."""
from __future__ import annotations

from civic import create_app
from civic.core.features import Feature
from civic.outbox.models import MessageStatus
from tests.conftest import TEST_CONFIG
from tests.outbox.helpers import messages_in_every_state, rows


def test_periodic_puts_stuck_mail_back_and_runs_every_features_job(app):
    ids = messages_in_every_state(app)
    result = app.test_cli_runner().invoke(args=["periodic"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "outbox: 1 messages left sending by a stopped worker put back to send"
    assert "meetings: nothing to do" in lines  # a feature's job (reminders), with no meeting close
    by_id = {message.id: message for message in rows(app)}
    stuck = by_id[ids["stuck"]]
    assert stuck.status == MessageStatus.PENDING and stuck.claimed_at is None
    # A message a live worker is sending right now is left to it; the others keep their state.
    assert by_id[ids["sending"]].status == MessageStatus.SENDING
    assert by_id[ids["failed"]].status == MessageStatus.FAILED
    assert by_id[ids["sent"]].status == MessageStatus.SENT

    again = app.test_cli_runner().invoke(args=["periodic"])
    assert again.exit_code == 0 and again.stdout.splitlines()[0] == "outbox: nothing to do"


def test_a_failing_job_fails_the_run_after_the_others_ran():
    ran = []

    def broken():
        raise RuntimeError("the census server is down")

    site = create_app(dict(TEST_CONFIG), features=[
        Feature("census", periodic=[broken]),
        Feature("notices", periodic=[lambda: ran.append("notices") or "sent 2 digests"]),
    ])
    result = site.test_cli_runner().invoke(args=["periodic"])
    assert result.exit_code == 1
    assert ran == ["notices"]
    assert "census: FAILED (see the log)" in result.output
    assert "notices: sent 2 digests" in result.output


def test_the_worker_runs_periodic_work_unless_told_not_to(app):
    ran = []
    site = create_app(dict(TEST_CONFIG), features=[Feature("ticks", periodic=[lambda: ran.append(1)])])
    runner = site.test_cli_runner()
    assert runner.invoke(args=["outbox", "deliver", "--no-periodic"]).exit_code == 0
    assert ran == []
    assert runner.invoke(args=["outbox", "deliver"]).exit_code == 0
    assert ran == [1]
