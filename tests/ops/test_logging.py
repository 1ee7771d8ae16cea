"""Logs an operator can read and a privacy officer can accept: one line per request with its id (the proxy's,
when it came through the configured one, echoed in X-Request-ID), JSON lines on request, and nothing of the
person: no e-mail address, name, password, token, ticket code, cookie or typed text, through a sign-in, a
password reset and an RSVP served by gunicorn and mailed by the outbox worker."""
from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from civic import create_app
from civic.core import logs
from civic.database import db
from civic.meetings.models import Registration
from tests.conftest import TEST_CONFIG, csrf_token
from tests.factories import PASSWORD, make_user
from tests.meetings.factories import make_meeting
from tests.ops.conftest import TIMEOUT, rsvp, sign_in_over_http
from tests.support.servers import ROOT, GunicornServer, SmtpSink

NEW_PASSWORD = "una nuova password molto lunga"
TYPED = "arrivo in sedia a rotelle"


@pytest.fixture
def json_site(app):
    site = create_app({**TEST_CONFIG, "CIVIC_LOG_FORMAT": "json", "CIVIC_LOG_LEVEL": "DEBUG"})
    yield site
    logs.configure(app.config["CIVIC_LOG_FORMAT"], app.config["CIVIC_LOG_LEVEL"])


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_a_json_line_per_request_with_the_id_the_response_carries(json_site, capsys):
    response = json_site.test_client().get("/privacy?lang=en", headers={"X-Request-ID": "from-a-stranger"})
    request_id = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)  # not trusted: no proxy is configured
    lines = [line for line in json_lines(capsys.readouterr().err) if line["logger"] == "civic.access"]
    assert lines[-1] == {**lines[-1], "request_id": request_id, "method": "GET", "route": "/privacy",
                         "endpoint": "core.privacy", "status": 200, "level": "INFO"}
    assert "lang=en" not in json.dumps(lines)


def test_text_lines_carry_the_request_id_and_blank_any_e_mail_address(app, capsys):
    with app.test_request_context("/"):
        request_id = logs.request_id()
        logging.getLogger("civic.test").warning("duplicate key: (email)=(giulia.parodi@example.org)")
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert re.fullmatch(rf"\S+Z WARNING \[{request_id}\] civic\.test: duplicate key: \(email\)=\(<e-mail>\)",
                        line)


def test_the_development_server_leaves_no_address_nor_query_in_the_log(live_server, capsys):
    with urllib.request.urlopen(f"{live_server.url}/privacy?q=giulia.parodi", timeout=TIMEOUT) as page:
        assert page.status == 200
    time.sleep(0.3)  # werkzeug writes its own line once the answer has gone
    written = capsys.readouterr().err
    assert "civic.access: GET /privacy 200" in written
    assert "giulia" not in written and "127.0.0.1" not in written


def _deliver_mail(environment: dict) -> str:
    """One round of the real outbox worker; what it wrote."""
    finished = subprocess.run([str(Path(sys.executable).with_name("flask")), "--app", "civic", "outbox",
                               "deliver"], cwd=ROOT, env=environment, capture_output=True, text=True,
                              timeout=120)
    assert finished.returncode == 0, finished.stderr
    return finished.stdout + finished.stderr


@pytest.mark.slow
def test_sign_in_password_reset_and_rsvp_leave_no_personal_data_in_the_logs(app, instance_path, database_url):
    with app.app_context():
        email = make_user("giulia.parodi@example.org", name="Giulia Parodi").email
        meeting = make_meeting(capacity=5, title="Tavolo di lavoro").id
    secrets = {"giulia.parodi", "example.org", "Giulia", "Parodi", PASSWORD, NEW_PASSWORD, TYPED}
    sink = SmtpSink()
    sink.start()
    environment = {"CIVIC_LOG_FORMAT": "json", "CIVIC_LOG_LEVEL": "DEBUG", "CIVIC_BEHIND_PROXY": "1",
                   "CIVIC_SMTP_URL": f"smtp://127.0.0.1:{sink.port}"}
    server = GunicornServer(instance_path, database_url, app.config["SECRET_KEY"], workers=2,
                            extra_env=environment).start()
    worker_output = ""
    try:
        # Signing in, and a search with the person's name typed in it.
        browser = sign_in_over_http(server.url, email)
        browser.get(f"{server.url}/meetings/?q=Giulia+Parodi", timeout=TIMEOUT)
        secrets |= {value for value in browser.cookies.values()}
        browser.post(f"{server.url}/account/logout", timeout=TIMEOUT,
                     data={"csrf_token": csrf_token(browser.get(f"{server.url}/", timeout=TIMEOUT).text)})
        # A password reset, by the link that arrives by e-mail.
        form = browser.get(f"{server.url}/account/reset", timeout=TIMEOUT).text
        secrets.add(csrf_token(form))
        browser.post(f"{server.url}/account/reset", timeout=TIMEOUT,
                     data={"email": email, "csrf_token": csrf_token(form)})
        worker_output += _deliver_mail({**server.env, **environment})
        link = re.search(r"http://localhost(/account/reset/(\S+))", sink.text_of(sink.messages[-1]))
        secrets.add(link[2])
        # The link hands its token to the session and lands on an address without it.
        landed = browser.get(server.url + link[1], timeout=TIMEOUT)
        assert link[2] not in landed.url
        form = landed.text
        changed = browser.post(landed.url, timeout=TIMEOUT, allow_redirects=False, data={
            "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD, "csrf_token": csrf_token(form)})
        assert changed.status_code == 302
        # An RSVP with something typed in it, and its ticket by e-mail.
        browser = sign_in_over_http(server.url, email, NEW_PASSWORD)
        form = browser.get(f"{server.url}/meetings/{meeting}/register", timeout=TIMEOUT).text
        booked = rsvp(browser, server.url, meeting, form, accessibility_needs=TYPED)
        assert booked.status_code == 302
        worker_output += _deliver_mail({**server.env, **environment})
        assert browser.get(server.url + booked.headers["Location"], timeout=TIMEOUT).status_code == 200
        secrets |= {value for value in browser.cookies.values()}
        # An id offered by the configured proxy is the request's; a malformed one is not.
        offered = browser.get(f"{server.url}/privacy", timeout=TIMEOUT,
                              headers={"X-Request-ID": "nginx-4f2a9c"})
        forged = browser.get(f"{server.url}/privacy", timeout=TIMEOUT,
                             headers={"X-Request-ID": "x" * 200})
    finally:
        server.stop()
        sink.stop()

    with app.app_context():
        secrets.add(db.session.scalar(select(Registration.ticket_code)))
    assert offered.headers["X-Request-ID"] == "nginx-4f2a9c"
    assert re.fullmatch(r"[0-9a-f]{32}", forged.headers["X-Request-ID"])
    served = server.log()
    lines = json_lines(served)
    access = [line for line in lines if line["logger"] == "civic.access"]
    assert len(access) >= 15
    assert all(re.fullmatch(r"[0-9a-f]{32}|nginx-4f2a9c", line["request_id"]) for line in access)
    assert any(line["request_id"] == "nginx-4f2a9c" for line in access)
    assert {"/account/login", "/account/reset/<token>", "/meetings/<int:meeting_id>/register"} <= {
        line["route"] for line in access}
    everything = served + worker_output
    assert "outbox: sent 1" in worker_output
    leaked = sorted(secret for secret in secrets if secret and secret in everything)
    assert leaked == []
    assert "q=" not in everything and "@" not in everything.replace("<e-mail>", "")
