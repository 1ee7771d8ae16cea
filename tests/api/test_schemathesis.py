"""The open-data API keeps the promises of its OpenAPI document, as schemathesis checks them with every check
it has: answers match the declared schemas and media types, every argument the document declares is refused
(400 or 404, a problem document) exactly when it is not as declared, no 500, Allow on a 405. Against the test
site on a loopback port, with a few examples per operation and a fixed seed, so the run is bounded and
repeatable."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest

from civic.consultations.models import ConsultationStatus
from civic.surveys.models import QuestionKind, ResultsVisibility
from tests.consultations.factories import make_consultation
from tests.factories import make_body
from tests.interest.factories import make_call
from tests.meetings.factories import make_meeting
from tests.motions.factories import make_motion
from tests.surveys.factories import add_question, make_survey

pytestmark = pytest.mark.slow


@pytest.fixture
def open_data(app):
    """One of everything the API lists, public, plus a draft it must not show."""
    with app.app_context():
        body = make_body("comune-di-novi-ligure", "Comune di Novi Ligure")
        consultation = make_consultation(body, "Uno spazio di coworking", slug="coworking-novi",
                                         topics=["lavoro"])
        make_consultation(body, "Bozza riservata", slug="bozza", status=ConsultationStatus.DRAFT)
        make_motion(body, "Coworking diffuso", topics=["coworking"], consultation=consultation)
        make_meeting(consultation, capacity=30, title="Assemblea pubblica", starts_in=dt.timedelta(days=5))
        survey = make_survey(consultation, title="Che cosa ne pensi?",
                             results_visibility=ResultsVisibility.WHILE_OPEN)
        add_question(survey, QuestionKind.SHORT_TEXT, "Perché?")
        make_call(consultation=consultation)


def test_schemathesis_finds_no_broken_promise(live_server, open_data, tmp_path):
    report = tmp_path / "report.json"
    run = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "run", f"{live_server.url}/api/openapi.json",
         "--checks", "all", "--max-examples", "8", "--seed", "20261206", "--workers", "1",
         "--phases", "examples,coverage,fuzzing", "--generation-database", "none", "--no-color",
         "--request-timeout", "20", "--report", "json", "--report-json-path", str(report)],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    summary = json.loads(report.read_text())
    assert "No issues found" in run.stdout, run.stdout[-3000:]
    assert summary, "schemathesis wrote no report"
