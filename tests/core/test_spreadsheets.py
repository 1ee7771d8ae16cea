"""The one spreadsheet writer: formulas defused in CSV and XLSX, a byte-order mark on every CSV meant for a
spreadsheet and none in a data package, chunks that never hold the whole file, temporary files that go away,
and each export of a value a citizen typed comes out defused."""
from __future__ import annotations

import csv
import gc
import io
import json
import tempfile
import tracemalloc
import zipfile

import openpyxl
import pytest

from civic.core import spreadsheets
from civic.interest.models import Role
from civic.surveys.models import QuestionKind, ResultsVisibility
from tests.conftest import post_form
from tests.consultations.factories import make_consultation
from tests.factories import PASSWORD, make_body, make_user
from tests.interest.factories import make_call
from tests.meetings.factories import make_meeting
from tests.surveys.factories import add_question, make_survey
from tests.surveys.support import answer

HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"Clicca\")", "+SUM(A1:A9)", "-2+3", "@SUM(A1)", "\tTab",
           "\r=1+1"]
HARMLESS = ["Ottima idea", "2 + 2", "a=b", "", "'già citato"]


def _read_csv(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff"), "a CSV for spreadsheets starts with the byte-order mark"
    assert not text[1:].startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def _csv_text(chunks) -> str:
    return "".join(chunks)


def test_csv_text_cells_that_could_run_are_defused_and_the_rest_untouched():
    lines = [[value, 7, -5, 1.5, None] for value in HOSTILE + HARMLESS]
    rows = _read_csv(_csv_text(spreadsheets.spreadsheet_csv(["=header", "n", "m", "x", "empty"], lines)))
    assert rows[0] == ["'=header", "n", "m", "x", "empty"]  # a header is a text cell too
    assert [row[0] for row in rows[1:]] == ["'" + value for value in HOSTILE] + HARMLESS
    assert {tuple(row[1:]) for row in rows[1:]} == {("7", "-5", "1.5", "")}  # numbers stay numbers


def test_csv_defuses_only_the_text_columns_it_is_told_after_preparing_the_line():
    def prepare(line):
        line[2] = line[2].upper()
        return line

    lines = [["=A1", "=B1", "-c"], ["+A2", "+B2", "@d"]]
    rows = _read_csv(_csv_text(spreadsheets.spreadsheet_csv(["a", "b", "c"], lines, texts=[1, 2],
                                                            prepare=prepare)))
    assert rows[1:] == [["=A1", "'=B1", "'-C"], ["+A2", "'+B2", "'@D"]]


def test_csv_for_programs_has_no_byte_order_mark_and_keeps_values_raw():
    text = _csv_text(spreadsheets.data_csv(["code", "value"], [["q1", value] for value in HOSTILE]))
    assert text.startswith("code,value\r\n")
    assert [row[1] for row in csv.reader(io.StringIO(text))][1:] == HOSTILE


def test_a_large_csv_comes_in_chunks_without_holding_every_line():
    total, pulled = 40_000, [0]

    def lines():
        for number in range(total):
            pulled[0] += 1
            yield [number, "=1+1", "una riga di testo qualunque, per fare volume"]

    chunks = spreadsheets.spreadsheet_csv(["n", "formula", "text"], lines())
    first = next(chunks)
    assert pulled[0] < total / 10, "the first chunk goes out long before the last line is read"
    sizes = [len(first)] + [len(chunk) for chunk in chunks]
    assert pulled[0] == total and len(sizes) > 10
    longest_line = len("39999,'=1+1,una riga di testo qualunque, per fare volume\r\n")
    assert max(sizes) <= spreadsheets.CHUNK + longest_line


def _csv_peak(count: int) -> tuple[int, int]:
    """(size of the CSV of `count` lines, peak Python memory while writing it and dropping each chunk)."""
    lines = ([number, f"=cella {number}", "testo " * 10] for number in range(count))
    tracemalloc.start()
    try:
        size = sum(len(chunk) for chunk in spreadsheets.spreadsheet_csv(["n", "a", "b"], lines))
        return size, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_csv_memory_stays_flat_however_long_the_file():
    small_size, small_peak = _csv_peak(10_000)
    large_size, large_peak = _csv_peak(40_000)
    assert large_size > 4 * small_size > 3_000_000
    assert large_peak < 1.5 * small_peak and large_peak < large_size / 4, (small_peak, large_peak)


def _cells(data: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    return [list(row) for row in sheet.iter_rows()]


def test_xlsx_formulas_and_error_codes_become_text_cells_and_bad_characters_go():
    lines = [["=HYPERLINK(\"http://evil.example\")", 3], ["#N/A", -4.5], ["bell\x07 and\x0b tab", 0],
             ["+SUM(A1)", 1]]
    cells = _cells(b"".join(spreadsheets.spreadsheet_xlsx("Foglio", ["=Titolo\x01", "numero"], lines)))
    assert [(c.value, c.data_type) for c in cells[0]] == [("=Titolo", "s"), ("numero", "s")]
    assert [(row[0].value, row[0].data_type) for row in cells[1:]] == [
        ("=HYPERLINK(\"http://evil.example\")", "s"), ("#N/A", "s"), ("bell and tab", "s"), ("+SUM(A1)", "s")]
    numbers = [(row[1].value, row[1].data_type) for row in cells[1:]]
    assert numbers == [(3, "n"), (-4.5, "n"), (0, "n"), (1, "n")]


def _exports_in(folder) -> list:
    return sorted(path.name for path in folder.iterdir())


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """Temporary files go to a folder of this test only, so it can see what is left behind."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def test_the_temporary_file_goes_once_read_or_closed_early_or_dropped(scratch, monkeypatch):
    monkeypatch.setattr(spreadsheets, "CHUNK", 1024)  # so a small workbook spans several chunks
    lines = [[number, f"testo {number}"] for number in range(2_000)]
    download = spreadsheets.spreadsheet_xlsx("Foglio", ["n", "testo"], [list(line) for line in lines])
    assert _exports_in(scratch) and all(name.startswith("civic-export-") for name in _exports_in(scratch))
    data = b"".join(download)
    assert len(data) > 2 * spreadsheets.CHUNK and _exports_in(scratch) == []
    assert len(_cells(data)) == 2_001

    download = spreadsheets.spreadsheet_xlsx("Foglio", ["n", "testo"], [list(line) for line in lines])
    next(download)
    download.close()  # the client went away after the first chunk
    assert _exports_in(scratch) == []
    assert list(download) == []

    download = spreadsheets.zip_download([("a.csv", spreadsheets.data_csv(["n"], [[1]]))])
    download.close()  # closed before any chunk
    assert _exports_in(scratch) == []

    spreadsheets.zip_download([("a.csv", spreadsheets.data_csv(["n"], [[1]]))])  # never read nor closed
    gc.collect()
    assert _exports_in(scratch) == []


def test_a_zip_that_fails_while_written_leaves_no_file(scratch):
    def lines():
        yield [1]
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        spreadsheets.zip_download([("a.csv", spreadsheets.data_csv(["n"], lines()))])
    assert _exports_in(scratch) == []


# --- the three exports, through the test client -------------------------------------------------------------


def test_a_hostile_registration_note_comes_out_defused(app, client, auth):
    with app.app_context():
        body = make_body()
        meeting = make_meeting(make_consultation(body), capacity=10).id
        make_user(email="citizen@example.org", name="@SUM(1+1)*cmd|' /C calc'!A0")
        make_user(email="councillor@example.org", councillor_of=body)
    auth.login("citizen@example.org", PASSWORD)
    registered = post_form(client, f"/meetings/{meeting}/register", {
        "category": "cittadini", "accessibility_needs": "-1+1", "note": HOSTILE[0]})
    assert registered.status_code == 302
    auth.logout()
    auth.login("councillor@example.org", PASSWORD)
    response = client.get(f"/manage/meetings/{meeting}/registrations.csv")
    assert response.status_code == 200
    [header, row] = _read_csv(response.get_data(as_text=True))
    line = dict(zip(header, row, strict=True))
    assert line["note"] == "'" + HOSTILE[0]
    assert line["accessibility_needs"] == "'-1+1"
    assert line["name"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert line["status"] == "confirmed" and line["registered_at"].startswith("20")


def test_a_hostile_manager_profile_comes_out_defused(app, client, auth):
    with app.app_context():
        call = make_call()
        call_id = call.id
        make_user(email="manager@example.org", name="Marta Neri")
        make_user(email="councillor@example.org", councillor_of=call.consultation.body)
    auth.login("manager@example.org", PASSWORD)
    declared = post_form(client, f"/interest/{call_id}", {
        "role": Role.MANAGER.value, "profile": "freelance", "sector": "+39 0143 1234", "days_per_week": "3",
        "area": "0", "budget": "50_100", "horizon": "3_months", "manager_experience": HOSTILE[0],
        "manager_offer": "@Apertura serale", "notes": "", "contact_consent": "y"})
    assert declared.status_code == 303
    auth.logout()
    auth.login("councillor@example.org", PASSWORD)
    [_header, row] = _read_csv(client.get(f"/interest/{call_id}/managers.csv").get_data(as_text=True))
    assert row[:2] == ["Marta Neri", "manager@example.org"]
    assert row[3:6] == ["'+39 0143 1234", "'" + HOSTILE[0], "'@Apertura serale"]


@pytest.fixture
def hostile_survey(app, client, auth):
    """A survey answered through its page by a citizen who typed formulas; the councillor logged in."""
    with app.app_context():
        body = make_body()
        survey = make_survey(make_consultation(body), title="Coworking",
                             results_visibility=ResultsVisibility.WHILE_OPEN)
        comment = add_question(survey, QuestionKind.LONG_TEXT, "Commenti?").id
        name = add_question(survey, QuestionKind.SHORT_TEXT, "+Il tuo nome?").id
        hours = add_question(survey, QuestionKind.NUMBER, "Quante ore?").id
        make_user(email="councillor@example.org", councillor_of=body)
        survey_id = survey.id
    assert answer(client, survey_id, {f"q{comment}": HOSTILE[0], f"q{name}": "=1+1", f"q{hours}": "-3"}
                  ).status_code == 302
    assert answer(client.application.test_client(), survey_id, {f"q{comment}": "#N/A", f"q{name}": "@x",
                                                               f"q{hours}": "2"}).status_code == 302
    auth.login("councillor@example.org", PASSWORD)
    return survey_id


def test_a_hostile_survey_answer_comes_out_defused_in_csv_and_xlsx(client, hostile_survey):
    rows = _read_csv(client.get(f"/manage/surveys/{hostile_survey}/export.csv").get_data(as_text=True))
    assert rows[0][3:] == ["1. Commenti?", "2. +Il tuo nome?", "3. Quante ore?"]
    assert [row[3:] for row in rows[1:]] == [["'" + HOSTILE[0], "'=1+1", "-3"], ["#N/A", "'@x", "2"]]

    cells = _cells(client.get(f"/manage/surveys/{hostile_survey}/export.xlsx").data)
    assert [[(c.value, c.data_type) for c in row[3:]] for row in cells[1:]] == [
        [(HOSTILE[0], "s"), ("=1+1", "s"), (-3, "n")], [("#N/A", "s"), ("@x", "s"), (2, "n")]]


def test_every_csv_download_carries_the_mark_and_the_data_package_none(client, hostile_survey, tmp_path):
    for url in (f"/manage/surveys/{hostile_survey}/results.csv", f"/surveys/{hostile_survey}/results.csv"):
        rows = _read_csv(client.get(url).get_data(as_text=True))
        assert rows[0][:2] == ["question", "prompt"]
        assert ["2", "'+Il tuo nome?", "short_text", "answered", "", "", "2"] in rows
    zipped = client.get(f"/manage/surveys/{hostile_survey}/datapackage.zip").data
    package = zipfile.ZipFile(io.BytesIO(zipped))
    responses = package.read("responses.csv").decode("utf-8")
    assert responses.startswith("response_id,")
    assert package.read("results.csv").startswith(b"question,")
    assert [row[3:] for row in csv.reader(io.StringIO(responses))][1:] == [
        [HOSTILE[0], "=1+1", "-3"], ["#N/A", "@x", "2"]]  # raw: the data as typed
    descriptor = json.loads(package.read("datapackage.json"))
    for resource in descriptor["resources"]:
        assert "Dati grezzi" in resource["description"] and "formula" in resource["description"]


def test_an_xlsx_download_left_early_leaves_no_temporary_file(client, hostile_survey, scratch, monkeypatch):
    monkeypatch.setattr(spreadsheets, "CHUNK", 512)
    url = f"/manage/surveys/{hostile_survey}/export.xlsx"
    assert client.get(url).data.startswith(b"PK") and _exports_in(scratch) == []
    response = client.get(url)
    assert response.is_streamed and _exports_in(scratch)
    chunks = iter(response.response)
    assert next(chunks).startswith(b"PK")
    response.close()  # what the WSGI server does when the client hangs up
    assert _exports_in(scratch) == []
