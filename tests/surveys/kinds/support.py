"""What the tests of the newer question kinds share: answering a survey many times through the real page,
reading the results page and every export back, and moving through a page with the keyboard alone."""
from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import openpyxl
from frictionless import validate

from tests.results.html_tables import in_section, interval, number
from tests.support.checks import assert_accessible
from tests.surveys.support import answer

WIDTHS = (1280, 390)  # a councillor's laptop, a citizen's phone


def answer_many(app, survey_id: int, forms: list[dict]) -> None:
    """Each form sent by a new browser without JavaScript, through the survey's page, as citizens do."""
    app.config["CIVIC_LIMIT_SURVEY_ANSWER"] = "10000 per minute"
    for data in forms:
        response = answer(app.test_client(), survey_id, data)
        assert response.status_code == 302, response.get_data(as_text=True)[-2000:]


def results_html(client, survey_id: int, path: str = "results", **args) -> str:
    response = client.get(f"/surveys/{survey_id}/{path}", query_string={"lang": "en", **args})
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def shown_and_answered(html: str, question_id: int) -> tuple[int, int]:
    match = re.search(rf'id="question-{question_id}".*?Shown to ([\d,]+) respondents; answered by ([\d,]+)',
                      html, re.S)
    return int(number(match.group(1))), int(number(match.group(2)))


def close(shown: str | float, value: float, digits: int = 1) -> bool:
    """The printed value is `value` rounded to `digits` decimals."""
    return abs(number(str(shown)) - value) <= 0.5 * 10 ** -digits + 1e-9


def choice_rows(html: str, question_id: int) -> dict[str, tuple[int, str, tuple[float, float]]]:
    """The choice table of a question on the results page: label -> (respondents, percent, interval)."""
    (table,) = in_section(html, f"question-{question_id}")
    return {label: (int(number(count)), share, interval(shown))
            for label, (count, share, shown) in table.body().items()}


def json_lines(client, survey_id: int) -> list[dict]:
    response = client.get(f"/manage/surveys/{survey_id}/export.json")
    assert response.status_code == 200
    return json.loads(response.get_data(as_text=True))


def csv_lines(client, survey_id: int) -> list[list[str]]:
    response = client.get(f"/manage/surveys/{survey_id}/export.csv")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def xlsx_lines(client, survey_id: int) -> list[list]:
    response = client.get(f"/manage/surveys/{survey_id}/export.xlsx")
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(response.data), read_only=True).worksheets[0]
                .iter_rows(values_only=True))
    return [list(row) + [None] * (len(rows[0]) - len(row)) for row in rows]


def data_package(client, survey_id: int, folder: Path) -> tuple[dict, list[dict], list[dict]]:
    """The data package, checked by `frictionless validate`: (descriptor, responses, aggregated results)."""
    response = client.get(f"/manage/surveys/{survey_id}/datapackage.zip")
    assert response.status_code == 200
    zipfile.ZipFile(io.BytesIO(response.data)).extractall(folder)
    report = validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["type", "message"])[:5]
    descriptor = json.loads((folder / "datapackage.json").read_text())
    with (folder / "responses.csv").open(newline="", encoding="utf-8") as handle:
        responses = list(csv.DictReader(handle))
    with (folder / "results.csv").open(newline="", encoding="utf-8") as handle:
        results = list(csv.DictReader(handle))
    return descriptor, responses, results


def statistics(results: list[dict], question: int, item: str = "", column: str = "") -> dict[str, float]:
    """The aggregated results' values of one question (and item, column) by statistic."""
    return {row["statistic"]: float(row["value"]) for row in results
            if row["question"] == str(question) and row["item"] == item and row["column"] == column}


# --- the keyboard -------------------------------------------------------------------------------------------


def tab_to(page, selector: str, most: int = 120, key: str = "Tab") -> None:
    """Press Tab (or another key) until the element matching `selector` has the focus."""
    for _ in range(most):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{selector} never got the focus with {key}")


def assert_accessible_at_every_width(page) -> None:
    """axe-core finds nothing at a laptop's width and at a phone's."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page)
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
