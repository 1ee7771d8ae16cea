"""Exports: the values equal the generated answers, the CSV round-trips, the XLSX opens, the data package
passes `frictionless validate`, identities only where they belong, only councillors of the body, and memory
stays flat."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tracemalloc
import zipfile

import openpyxl
import pytest
from frictionless import validate

from civic.core import spreadsheets
from civic.database import db
from civic.results import exports
from civic.surveys.models import Answer, Channel, Response, SurveyStatus
from civic.surveys.queries import survey_with_structure
from tests.factories import PASSWORD, make_body, make_user
from tests.results import expected as x
from tests.results import factories as f


def _expected_line(g, index: int) -> dict:
    """The export line of the index-th response, from the generated values only."""
    a = g.answers[index]
    line = {"response_id": g.response_ids[index], "channel": "web",
            "q1": a.get("who"), "q1_other": a.get("who_other")}
    for k, label in enumerate(f.NEEDS, start=1):
        line[f"q2_{k}"] = (1 if label in a["needs"] else 0) if "needs" in a else None
    line["q2_other"] = a.get("needs_other")
    line["q3"], line["q4"] = a.get("often"), a.get("budget")
    for k, label in enumerate(f.RANKED, start=1):
        line[f"q5_{k}"] = a["rank"][label] if "rank" in a else None
    for k, row in enumerate(f.GRID_ROWS, start=1):
        line[f"q6_r{k}"] = a.get("grid", {}).get(row)
    line.update({"q7": a.get("comment"), "q8": a.get("start"), "q9": a.get("help"), "q10": a.get("why_not"),
                 "q11": a.get("how"), "q12": a.get("hours"), "q13": a.get("office")})
    return line


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def test_json_and_csv_hold_exactly_the_answers(client, councillor_survey):
    g = councillor_survey
    response = client.get(f"/manage/surveys/{g.survey_id}/export.json")
    assert response.status_code == 200 and response.is_streamed
    lines = json.loads(response.get_data(as_text=True))
    assert len(lines) == 120
    for index, line in enumerate(lines):
        submitted = line.pop("submitted_at")
        assert dt.datetime.strptime(submitted, "%Y-%m-%dT%H:%M:%SZ").date() == g.days[index]
        assert line == _expected_line(g, index)
    assert "name" not in lines[0] and "email" not in lines[0]  # anonymous survey

    response = client.get(f"/manage/surveys/{g.survey_id}/export.csv")
    assert response.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Risposta", "Inviata (UTC)", "Canale"]  # Italian, the default language
    assert header[5] == "2. Di cosa avresti bisogno? — Postazione"
    names = list(_expected_line(g, 0))
    assert len(header) == len(names) + 1
    for index, row in enumerate(body):
        want = _expected_line(g, index)
        got = dict(zip(["response_id", "submitted_at", "channel"] + names[2:], row, strict=True))
        got.pop("submitted_at")
        assert got == {name: _cell(value) for name, value in want.items()}


def test_xlsx_opens_with_the_same_values(client, councillor_survey):
    g = councillor_survey
    response = client.get(f"/manage/surveys/{g.survey_id}/export.xlsx")
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert rows[0][1] == "Inviata (ora italiana)"
    assert len(rows) == 121
    names = list(_expected_line(g, 0))
    for index, row in enumerate(rows[1:]):
        row = list(row) + [None] * (len(rows[0]) - len(row))  # a reader may trim empty trailing cells
        got = dict(zip(["response_id", "submitted_at", "channel"] + names[2:], row, strict=True))
        submitted = got.pop("submitted_at")
        assert isinstance(submitted, dt.datetime)
        assert ({k: _cell(v) for k, v in got.items()}
                == {k: _cell(v) for k, v in _expected_line(g, index).items()})


def test_a_response_without_answers_keeps_its_line_and_more_responses_cost_no_more_queries(
        app, client, councillor_survey, count_queries):
    g = councillor_survey
    with app.app_context():
        db.session.execute(Response.__table__.insert(), [{
            "survey_id": g.survey_id, "channel": Channel.PAPER.value,
            "submitted_at": dt.datetime(2024, 4, 2, 8, 30, tzinfo=dt.UTC)}])
        db.session.commit()
    url = f"/manage/surveys/{g.survey_id}/export.csv"
    with count_queries() as counter:
        rows = list(csv.reader(io.StringIO(client.get(url).data.decode("utf-8-sig"))))
    assert len(rows) == 1 + 121
    assert rows[-1][1:3] == ["2024-04-02T08:30:00Z", "paper"] and set(rows[-1][3:]) == {""}
    with app.app_context():
        f.add_responses(g, 300, seed=9)
    with count_queries() as larger:
        rows = list(csv.reader(io.StringIO(client.get(url).data.decode("utf-8-sig"))))
    assert len(rows) == 1 + 421
    assert larger.count == counter.count


def test_texts_that_look_like_formulas_stay_texts(app, client, councillor_survey):
    g = councillor_survey
    with app.app_context():
        index = next(i for i, a in enumerate(g.answers) if "comment" not in a)
        db.session.execute(Answer.__table__.insert(), [{"response_id": g.response_ids[index],
                                                        "question_id": g.qids["comment"],
                                                        "text": "=HYPERLINK(1)"}])
        db.session.commit()
    text = client.get(f"/manage/surveys/{g.survey_id}/export.csv").data.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text
    workbook = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/manage/surveys/{g.survey_id}/export.xlsx").data))
    cells = [c for row in workbook.worksheets[0].iter_rows() for c in row if c.value == "=HYPERLINK(1)"]
    assert cells and cells[0].data_type == "s"


def test_aggregated_results_equal_the_independent_figures(client, councillor_survey):
    g = councillor_survey
    text = client.get(f"/manage/surveys/{g.survey_id}/results.csv").get_data(as_text=True)
    assert text.startswith("\ufeff")  # a CSV download is for spreadsheets: Excel reads UTF-8 after this mark
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    want = x.choice(g.answers, "needs", f.NEEDS, multiple=True)
    for label in f.NEEDS:
        got = {r["statistic"]: float(r["value"]) for r in rows if r["question"] == "2" and r["item"] == label}
        count = want["counts"][label]
        low, high = x.wilson(count, want["answered"])
        assert got["count"] == count
        assert got["percent"] == pytest.approx(100 * count / want["answered"], abs=1e-4)
        assert got["ci_low"] == pytest.approx(100 * low, abs=1e-4)
        assert got["ci_high"] == pytest.approx(100 * high, abs=1e-4)
    stats = {r["statistic"]: float(r["value"]) for r in rows if r["question"] == "3" and not r["item"]}
    numbers = x.numbers(g.answers, "often")
    assert stats["mean"] == pytest.approx(numbers["mean"], abs=1e-4)
    assert stats["median"] == numbers["median"]
    assert stats["stdev"] == pytest.approx(numbers["stdev"], abs=1e-4)
    assert stats["answered"] == numbers["answered"] and stats["seen"] == 120


def test_the_data_package_validates(client, councillor_survey, tmp_path):
    g = councillor_survey
    response = client.get(f"/manage/surveys/{g.survey_id}/datapackage.zip")
    assert response.status_code == 200
    zipfile.ZipFile(io.BytesIO(response.data)).extractall(tmp_path)
    descriptor = json.loads((tmp_path / "datapackage.json").read_text())
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    fields = descriptor["resources"][0]["schema"]["fields"]
    assert all(field["description"] for field in fields)
    result = validate(str(tmp_path / "datapackage.json"))
    assert result.valid, result.flatten(["type", "message"])[:5]
    with (tmp_path / "responses.csv").open(newline="", encoding="utf-8") as handle:
        assert sum(1 for _row in csv.reader(handle)) == 121


def test_named_surveys_export_identities_but_never_in_the_data_package(app, client, auth, tmp_path):
    with app.app_context():
        body = make_body()
        make_user(email="councillor@example.org", councillor_of=body)
        people = [make_user(email=f"resident{i}@example.org", name=f"Resident {i}") for i in range(3)]
        g = f.make_structure(consultation=f.make_consultation(body=body), anonymous=False)
        f.add_responses(g, 3, users=people)
    auth.login("councillor@example.org", PASSWORD)
    lines = json.loads(client.get(f"/manage/surveys/{g.survey_id}/export.json").get_data(as_text=True))
    assert [(line["name"], line["email"]) for line in lines] == [
        (f"Resident {i}", f"resident{i}@example.org") for i in range(3)]
    package = client.get(f"/manage/surveys/{g.survey_id}/datapackage.zip").data
    assert b"resident0@example.org" not in zipfile.ZipFile(io.BytesIO(package)).read("responses.csv")


def test_only_councillors_of_the_body_export(app, client, auth):
    with app.app_context():
        make_user(email="citizen@example.org")
        make_user(email="other@example.org", councillor_of=make_body())
        g = f.make_generated(3)
    urls = [f"/manage/surveys/{g.survey_id}/export.{kind}" for kind in ("csv", "xlsx", "json")]
    urls += [f"/manage/surveys/{g.survey_id}/results.csv", f"/manage/surveys/{g.survey_id}/datapackage.zip"]
    for url in urls:
        assert client.get(url).status_code == 302  # to the login page
    for email in ("citizen@example.org", "other@example.org"):
        auth.login(email, PASSWORD)
        for url in urls:
            assert client.get(url).status_code == 403, (email, url)
        auth.logout()


def _peak(app, survey_id: int, writer) -> int:
    """Peak Python memory while exporting the survey in-process, consuming and dropping every chunk."""
    with app.test_request_context("/"):
        survey = db.session.scalar(survey_with_structure(survey_id))
        tracemalloc.start()
        try:
            for _chunk in writer(survey):
                pass
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            db.session.remove()


def test_exports_keep_memory_flat_as_answers_grow(app, monkeypatch):
    # Smaller batches and chunks than in production, so both sizes span many of them and the test stays quick.
    monkeypatch.setattr(exports, "BATCH", 100)
    monkeypatch.setattr(spreadsheets, "CHUNK", 2048)
    with app.app_context():
        small = f.make_generated(60, seed=1).survey_id  # about 700 answers
        large = f.make_generated(600, seed=2).survey_id  # about 7,000 answers
    for writer in (exports.responses_csv, exports.responses_xlsx):
        _peak(app, small, writer)  # warm caches (compiled SQL, templates of openpyxl)
        small_peak, large_peak = _peak(app, small, writer), _peak(app, large, writer)
        assert large_peak < 1.5 * small_peak, (writer.__name__, small_peak, large_peak)


def test_the_public_aggregated_csv_follows_the_results_visibility(app, client):
    with app.app_context():
        public = f.make_generated(4).survey_id
        hidden = f.make_generated(4, status=SurveyStatus.OPEN).survey_id
    assert client.get(f"/surveys/{public}/results.csv").status_code == 200
    assert client.get(f"/surveys/{hidden}/results.csv").status_code == 403
