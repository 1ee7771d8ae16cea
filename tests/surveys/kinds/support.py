"""What the tests of the newer question kinds share: answering a survey many times through the real page,
reading the results page and every export back, and moving through a page with the keyboard alone."""
from __future__ import annotations

import contextlib
import csv
import io
import json
import random
import re
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from frictionless import validate

from civic.database import db, utcnow
from civic.surveys.models import Audience, Question, Survey
from tests.consultations.factories import make_consultation
from tests.factories import PASSWORD, make_body, make_user
from tests.results import expected as x
from tests.results.html_tables import in_section, interval, number, tables
from tests.support.checks import assert_accessible
from tests.surveys.factories import add_question, make_survey, snapshot
from tests.surveys.support import answer, counts

WIDTHS = (1280, 390)  # a councillor's laptop, a citizen's phone


def answer_many(app, survey_id: int, forms: list[dict]) -> None:
    """Each form sent by a new browser without JavaScript, through the survey's page, as citizens do."""
    app.config["CIVIC_LIMIT_SURVEY_ANSWER"] = "10000 per minute"
    for data in forms:
        response = answer(app.test_client(), survey_id, data)
        assert response.status_code == 302, response.get_data(as_text=True)[-2000:]


def respond(app, town, draw, count: int, seed: int) -> list:
    """`count` respondents drawn with a fixed seed by `draw(rng, town)`, which gives (what one means, the form
    one sends); the forms sent through the page; what each meant, in order."""
    rng = random.Random(seed)
    drawn = [draw(rng, town) for _ in range(count)]
    answer_many(app, town.id, [form for _meant, form in drawn])
    return [meant for meant, _form in drawn]


def assert_refused(client, in_db, subtests, survey_id: int, question_id: int, first_input: str,
                   cases: dict, field: str | None = None) -> None:
    """With the question made required, each case (a function of nothing giving the value of `field`, by
    default the question's own, the Italian message, the English message) sent in both languages: a 422, the
    message beside the question, the error summary linking to its first input, nothing stored."""
    def make_required():
        db.session.get(Question, question_id).required = True
        db.session.get(Survey, survey_id).updated_at = utcnow()  # a new version of the questions
        db.session.commit()

    in_db(make_required)
    for case, (value, italian, english) in cases.items():
        for lang, message in (("it", italian), ("en", english)):
            with subtests.test(f"{case} ({lang})"):
                browser = client.application.test_client()
                browser.get(f"/surveys/{survey_id}?lang={lang}")
                response = answer(browser, survey_id, {field or f"q{question_id}": value()})
                html = response.get_data(as_text=True)
                assert response.status_code == 422
                error = re.search(rf'id="q{question_id}-error"[^>]*>(.*?)</p>', html, re.S).group(1)
                assert message in error
                assert f'<a href="#{first_input}">' in html
                assert in_db(counts) == (0, 0, 0)


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


def assert_choice_figures(html: str, question_id: int, labels: list[str], counted: Counter, answered: int):
    """The question's table lists the options in order, each with the count of those who chose it, its
    percent of those who answered and the 95% Wilson interval, as computed here from the answers sent."""
    rows = choice_rows(html, question_id)
    assert list(rows) == labels
    for label in labels:
        count, share, (low, high) = rows[label]
        want_low, want_high = x.wilson(counted[label], answered)
        assert count == counted[label], label
        assert close(share, 100 * count / answered), label
        assert close(low, 100 * want_low) and close(high, 100 * want_high), label


def assert_choice_statistics(results: list[dict], question: int, labels: list[str], counted: Counter,
                             answered: int) -> None:
    """The same figures in the aggregated results export (results.csv of the data package)."""
    assert statistics(results, question)["answered"] == answered
    for label in labels:
        figures = statistics(results, question, label)
        low, high = x.wilson(counted[label], answered)
        assert figures["count"] == counted[label]
        assert figures["percent"] == pytest.approx(100 * counted[label] / answered, abs=1e-4)
        assert figures["ci_low"] == pytest.approx(100 * low, abs=1e-4)
        assert figures["ci_high"] == pytest.approx(100 * high, abs=1e-4)


def breakdown_rows(client, survey_id: int, row: int, column: int) -> list[list[str]]:
    """The breakdown table of two questions, as its reader sees it (header row first)."""
    html = results_html(client, survey_id, "results/breakdown", row=row, col=column)
    (table,) = [table for table in tables(html) if table.id == "breakdown"]
    return table.rows


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


def exported(client, survey_id: int, codes: list[str], folder: Path) -> dict:
    """The columns with these codes in every export, as each format holds them: "json" and "xlsx" values,
    "csv" and "package" texts (one list per column, one value per response), the CSV's "titles", the data
    package's "fields" (its Table Schema) and its aggregated "results"."""
    lines = json_lines(client, survey_id)
    names = list(lines[0]) if lines else []
    positions = [names.index(code) for code in codes]
    spreadsheet, sheet = csv_lines(client, survey_id), xlsx_lines(client, survey_id)
    descriptor, responses, results = data_package(client, survey_id, folder)
    schema = {field["name"]: field for field in descriptor["resources"][0]["schema"]["fields"]}
    return {
        "json": [[line[code] for line in lines] for code in codes],
        "csv": [[line[position] for line in spreadsheet[1:]] for position in positions],
        "titles": [spreadsheet[0][position] for position in positions],
        "xlsx": [[line[position] for line in sheet[1:]] for position in positions],
        "package": [[line[code] for line in responses] for code in codes],
        "fields": [schema[code] for code in codes],
        "results": results,
    }


def statistics(results: list[dict], question: int, item: str = "", column: str = "") -> dict[str, float]:
    """The aggregated results' values of one question (and item, column) by statistic."""
    return {row["statistic"]: float(row["value"]) for row in results
            if row["question"] == str(question) and row["item"] == item and row["column"] == column}


# --- personal data and valid pages --------------------------------------------------------------------------


def personal_answers(client, auth, in_db, kind: str, prompt: str, options=(), rows=(), choose=None) -> list:
    """A citizen answers a named survey of one question of this kind through the page (`choose` gives the form
    from the question's ids, see tests.surveys.factories.Q); how her answers read in the file "download my
    data" gives her (each answer row through its kind)."""
    def build():
        survey = make_survey(make_consultation(make_body()), audience=Audience.REGISTERED, anonymous=False)
        question = add_question(survey, kind, prompt, options, rows=rows)
        return survey.id, snapshot(question), make_user(email="named@example.org").id

    survey_id, question, _user_id = in_db(build)
    auth.login("named@example.org")
    assert answer(client, survey_id, choose(question)).status_code == 302
    download = client.get("/account/data/download").get_json()
    [response] = download["named_survey_responses"]
    return response["answers"]


def pages_of(app, client, auth, survey_id: int, question_id: int, answered: dict, crossed: int | None,
             councillor: str) -> dict[str, str]:
    """The pages that show a question of a kind (the survey, with an error; its results, public and for
    councillors; its breakdown with question `crossed`; the builder, the question's edit page and the page
    of a new question of its kind) after one response, for the HTML checker."""
    citizen = app.test_client()
    errors = answer(citizen, survey_id, {f"q{question_id}": "x"})
    documents = {"survey": citizen.get(f"/surveys/{survey_id}").get_data(as_text=True),
                 "survey, errors": errors.get_data(as_text=True)}
    answer_many(app, survey_id, [answered])
    documents["results"] = citizen.get(f"/surveys/{survey_id}/results").get_data(as_text=True)
    auth.login(councillor, PASSWORD)
    documents["results, councillors"] = client.get(f"/surveys/{survey_id}/results").get_data(as_text=True)
    if crossed is not None:
        breakdown = f"/surveys/{survey_id}/results/breakdown?row={question_id}&col={crossed}"
        documents["breakdown"] = client.get(breakdown).get_data(as_text=True)
    documents["builder"] = client.get(f"/manage/surveys/{survey_id}").get_data(as_text=True)
    documents["edit question"] = client.get(f"/manage/surveys/{survey_id}/questions/{question_id}"
                                            ).get_data(as_text=True)
    kind = in_kind(app, question_id)
    documents["new question"] = client.get(f"/manage/surveys/{survey_id}/questions/new?kind={kind}"
                                           ).get_data(as_text=True)
    return documents


def in_kind(app, question_id: int) -> str:
    """The stored name of the question's kind."""
    with app.app_context():
        try:
            return db.session.get(Question, question_id).kind.name
        finally:
            db.session.remove()


# --- the keyboard -------------------------------------------------------------------------------------------


def tab_to(page, selector: str, most: int = 120, key: str = "Tab") -> None:
    """Press Tab (or another key) until the element matching `selector` has the focus."""
    for _ in range(most):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{selector} never got the focus with {key}")


def send_with_keyboard(page) -> None:
    """Tab to the survey's button, press Enter and wait for the thank-you page."""
    tab_to(page, "#survey-form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/thanks$"))


@contextlib.contextmanager
def without_javascript(browser, url: str):
    """A page of a browser with JavaScript off, at `url`."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(url)
        yield page
        page.get_by_role("button", name="Invia le risposte").click()
        page.wait_for_url(re.compile(r"/thanks$"))
    finally:
        context.close()


def assert_accessible_at_every_width(page) -> None:
    """axe-core finds nothing at a laptop's width and at a phone's."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page)
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
