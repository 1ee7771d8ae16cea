"""Several worker processes against one database (SQLite or PostgreSQL) send each message once; a worker
killed with SIGKILL while the mail server holds its message is replaced by the next round, which sends the
message once its claim is older than CIVIC_OUTBOX_RECLAIM_SECONDS, with the same Message-ID."""
from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from civic.database import utcnow
from civic.outbox.models import MessageStatus
from tests.outbox.helpers import deliver_at, queue, rows

# Each test starts its own servers (or AgID's tool against one): not in `make test-quick`.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def worker_env(app, sink) -> dict:
    """What a worker started on the same machine reads: the test's instance folder (its config.py names the
    test database) and the test's SMTP server."""
    return {**os.environ, "CIVIC_SMTP_URL": sink.url, "CIVIC_BASE_URL": app.config["CIVIC_BASE_URL"],
            "CIVIC_RATELIMIT_ENABLED": "0"}


def test_several_workers_at_once_send_each_message_once(app, sink, tmp_path):
    ids = queue(app, 120)
    sink.slow_down(0.01)  # the workers overlap all along
    command = [sys.executable, "-m", "tests.outbox.worker_process", str(tmp_path)]
    workers = [subprocess.Popen(command, cwd=ROOT, env=worker_env(app, sink), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(3)]
    try:
        deadline = time.monotonic() + 120
        while len(list(tmp_path.glob("ready-*"))) < 3 and time.monotonic() < deadline:
            assert all(worker.poll() is None for worker in workers), "a worker stopped before starting"
            time.sleep(0.05)
        (tmp_path / "go").touch()  # all three start together
        outputs = [worker.communicate(timeout=180) for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    assert [worker.returncode for worker in workers] == [0, 0, 0], [err[-2000:] for _, err in outputs]
    sent_by = [json.loads(out.strip().splitlines()[-1])["sent"] for out, _ in outputs]
    assert sum(sent_by) == 120
    assert sum(1 for sent in sent_by if sent) >= 2, f"the workers did not overlap: {sent_by}"

    received = sink.messages
    assert len(received) == 120
    assert len({message["Message-ID"] for message in received}) == 120
    assert sorted(m["To"] for m in received) == sorted(f"person{n}@example.org" for n in range(120))
    # Each row was claimed once: one attempt each, all sent.
    assert {(row.status, row.attempts) for row in rows(app)} == {(MessageStatus.SENT, 1)}
    assert sorted(row.id for row in rows(app)) == ids


def test_a_worker_killed_while_sending_is_replaced_and_the_mail_sent_once(app, sink):
    [message_id] = queue(app)
    sink.hold_next(accept=False)  # the server never takes the message the killed worker was sending
    flask = str(Path(sys.executable).with_name("flask"))
    worker = subprocess.Popen([flask, "--app", "civic", "outbox", "deliver"], cwd=ROOT,
                              env=worker_env(app, sink), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        sink.wait_until_holding()
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == -signal.SIGKILL
    sink.release()
    [stuck] = rows(app)
    assert (stuck.status, stuck.attempts) == (MessageStatus.SENDING, 1)
    killed_at = stuck.claimed_at

    # The next rounds leave it alone while its claim is younger than the reclaim timeout (10 minutes) ...
    assert deliver_at(app, killed_at + dt.timedelta(minutes=9)) == {"sent": 0, "retry": 0, "failed": 0}
    assert sink.messages == []
    # ... then take it back and send it, once.
    later = killed_at + dt.timedelta(minutes=10, seconds=1)
    assert deliver_at(app, later) == {"sent": 1, "retry": 0, "failed": 0}
    assert deliver_at(app, later + dt.timedelta(hours=1)) == {"sent": 0, "retry": 0, "failed": 0}
    [received] = sink.messages
    assert received["To"] == "person0@example.org"
    assert received["Message-ID"] == sink.held["Message-ID"], "the same message, for mail clients too"
    [sent] = rows(app)
    assert (sent.id, sent.status, sent.attempts) == (message_id, MessageStatus.SENT, 2)
    assert utcnow() - sent.created_at < dt.timedelta(minutes=5), "the clock was moved, not waited for"
