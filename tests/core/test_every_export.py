"""Every file Civic offers for download, walked from the site's own routes: with hostile texts typed
everywhere a person can type (names, notes, answers, questions), no CSV meant for a spreadsheet holds a cell
a spreadsheet would run as a formula, no XLSX holds a formula cell, and every CSV of a data package is
declared raw, with the reason, in its datapackage.json. A new export fails here until it is walked too."""
from __future__ import annotations

import csv
import io
import json
import re
import zipfile

import openpyxl
import pytest

from civic.core import spreadsheets
from civic.interest.models import Role
from civic.surveys.models import QuestionKind, ResultsVisibility
from tests.consultations.factories import make_consultation
from tests.factories import PASSWORD, make_body, make_user
from tests.interest.factories import make_call, make_declaration
from tests.meetings.factories import make_meeting, make_registration
from tests.surveys.factories import add_question, make_survey
from tests.surveys.support import answer

# What spreadsheets run, or take as the start of a formula, each written as a person could type it.
HOSTILE = [
    "=HYPERLINK(\"http://evil.example\",\"Clicca\")", "+SUM(A1:A9)", "-2+3", "@SUM(A1)",
    "\uff1dSUM(A1)",  # full-width equals sign, honoured by spreadsheets in East Asian languages
    "\uff0b1+1", "\uff0d1+1", "\uff20SUM(A1)", "\ufe661+1", "\u22122+3",  # full-width, small and minus signs
    "  =1+1", "\u00a0=1+1", "\u3000=1+1",  # spaces, which spreadsheets skip before a formula
    "\t=1+1", "\r=1+1", "\n=1+1",
]
SIGNS = set("=+-@\uff1d\uff0b\uff0d\uff20\ufe66\ufe62\ufe63\u2212")
NUMBER = re.compile(r"-?\d+(\.\d+)?")


def dangerous(cell: str) -> bool:
    """Would a spreadsheet opening this cell of a CSV run it (numbers aside, which stay numbers)?"""
    if NUMBER.fullmatch(cell):
        return False
    return cell[:1] in ("\t", "\r", "\n") or cell.lstrip(" \u00a0\u3000")[:1] in SIGNS


def test_the_rule_defuses_every_hostile_start_and_nothing_else():
    assert [spreadsheets.defused(value) for value in HOSTILE] == ["'" + value for value in HOSTILE]
    harmless = ["Ottima idea", "2 + 2", "a=b", "", "'già citato", " spazio", "100%", "(1)", "#1"]
    assert [spreadsheets.defused(value) for value in harmless] == harmless
    assert all(dangerous(value) for value in HOSTILE) and not any(dangerous(value) for value in harmless)


def _download_routes(app) -> set[str]:
    """The endpoints that answer a file: their address ends in .csv, .xlsx or .zip, or picks the format."""
    return {rule.endpoint for rule in app.url_map.iter_rules()
            if re.search(r"\.(csv|xlsx|zip)$", rule.rule) or re.search(r"<any\([^)]*csv", rule.rule)}


@pytest.fixture
def hostile_site(app, client, auth):
    """A survey, a meeting and an interest call where every text a person typed is hostile; the councillor of
    their body signed in. Returns the address of every download, by endpoint."""
    with app.app_context():
        body = make_body()
        consultation = make_consultation(body)
        survey = make_survey(consultation, title="=Titolo", results_visibility=ResultsVisibility.WHILE_OPEN)
        questions = [add_question(survey, QuestionKind.SHORT_TEXT, value).id for value in HOSTILE]
        hours = add_question(survey, QuestionKind.NUMBER, "Quante ore?").id
        meeting = make_meeting(consultation, capacity=100)
        call = make_call(consultation=consultation, asks_for=Role.BOTH)
        for number, value in enumerate(HOSTILE):
            person = make_user(email=f"person{number}@example.org", name=value)
            registration = make_registration(meeting, person)
            registration.note = registration.accessibility_needs = value
            make_declaration(call, person, role=Role.MANAGER, contact_consent=True, sector=value,
                             manager_experience=value, manager_offer=value)
        make_user(email="councillor@example.org", councillor_of=body)
        survey_id, meeting_id, call_id = survey.id, meeting.id, call.id
    fields = {f"q{question}": value for question, value in zip(questions, HOSTILE, strict=True)}
    assert answer(client, survey_id, {**fields, f"q{hours}": "-3"}).status_code == 302
    auth.login("councillor@example.org", PASSWORD)
    return {
        "interest.export_managers": [f"/interest/{call_id}/managers.csv"],
        "meetings.export_registrations": [f"/manage/meetings/{meeting_id}/registrations.csv"],
        "results.export_responses": [f"/manage/surveys/{survey_id}/export.{kind}"
                                     for kind in ("csv", "xlsx", "json")],
        "results.export_results": [f"/manage/surveys/{survey_id}/results.csv"],
        "results.public_results_csv": [f"/surveys/{survey_id}/results.csv"],
        "results.export_datapackage": [f"/manage/surveys/{survey_id}/datapackage.zip"],
        "results.public_datapackage": [f"/surveys/{survey_id}/results-datapackage.zip"],
    }


def _spreadsheet_csv_cells(text: str) -> list[str]:
    assert text.startswith(spreadsheets.SPREADSHEET_BOM), "a CSV for spreadsheets starts with the mark"
    return [cell for row in csv.reader(io.StringIO(text[1:], newline="")) for cell in row]


def _check_csv(url: str, text: str) -> None:
    cells = _spreadsheet_csv_cells(text)
    assert [cell for cell in cells if dangerous(cell)] == [], url
    defused = [cell for cell in cells if cell.startswith("'") and dangerous(cell[1:])]
    assert defused, f"{url} holds none of the hostile texts: the test would prove nothing"


def _check_xlsx(url: str, data: bytes) -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert [cell.value for cell in cells if cell.data_type == "f"] == [], url
    assert {value for value in HOSTILE if value.startswith("=")} <= {cell.value for cell in cells}


def _check_package(url: str, data: bytes) -> None:
    package = zipfile.ZipFile(io.BytesIO(data))
    descriptor = json.loads(package.read("datapackage.json"))
    described = {resource["path"]: resource["description"] for resource in descriptor["resources"]}
    members = [name for name in package.namelist() if name.endswith(".csv")]
    assert members and set(members) == set(described), url
    for name in members:
        # Raw for programs, and saying so: no mark, the values as typed, and the warning in the descriptor.
        assert not package.read(name).startswith(spreadsheets.SPREADSHEET_BOM.encode()), name
        assert "formula" in described[name] and "foglio di calcolo" in described[name], name


def test_every_download_is_safe_to_open_in_a_spreadsheet(app, client, hostile_site):
    assert set(hostile_site) == _download_routes(app), "a download not walked by this test"
    for urls in hostile_site.values():
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            if response.mimetype == "text/csv":
                _check_csv(url, response.get_data(as_text=True))
            elif response.mimetype == "application/zip":
                _check_package(url, response.data)
            elif url.endswith(".xlsx"):
                _check_xlsx(url, response.data)
            else:
                assert response.mimetype == "application/json" and response.json, url
