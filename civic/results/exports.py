"""Exports of a survey: responses (one line per response) as CSV, XLSX and JSON, the aggregated results as CSV,
and a Frictionless data package. One base (the fields and the streamed, pivoted rows) and one function per format.

Memory stays flat whatever the number of answers: the answers are read with a server-side cursor in batches
(`yield_per`), ordered by response, and pivoted into one line per response on the fly; every format writes
line by line (XLSX and ZIP through a temporary file, sent in chunks).

Columns, one per atomic answer: a single choice is the chosen option's label; a multiple choice is one column per
option holding 1 (chosen) or 0 (answered the question without choosing it), empty when the question was not
answered, which keeps every option countable in a spreadsheet; "other" texts get a column of their own; a
ranking is one column per option with its rank; a matrix one column per row with the chosen column's label.
Anonymous surveys export no identity column; named surveys add the person's name and e-mail (exports are for
the body's councillors only). The data package, meant to be published, never carries identities."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from civic.database import db
from civic.results import queries
from civic.results.report import Report
from civic.surveys.models import Question, QuestionKind, Survey

ROME = ZoneInfo("Europe/Rome")
BATCH = 2000  # rows fetched per round trip
CHUNK = 64 * 1024  # bytes per chunk sent to the client
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LICENCES = {
    "CC-BY-4.0": ("Creative Commons Attribution 4.0", "https://creativecommons.org/licenses/by/4.0/"),
    "CC-BY-SA-4.0": ("Creative Commons Attribution Share-Alike 4.0",
                     "https://creativecommons.org/licenses/by-sa/4.0/"),
    "CC0-1.0": ("CC0 1.0", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "IODL-2.0": ("Italian Open Data License 2.0", "https://www.dati.gov.it/iodl/2.0/"),
}


@dataclass(frozen=True)
class Field:
    name: str  # a stable code: response_id, q3, q2_1, q6_r2, q1_other
    title: str  # what a person reads in a spreadsheet header
    type: str  # Frictionless type: integer, number, string, date, datetime
    description: str
    value: Callable[[dict], Any]  # from {question id: [answer rows]} (and the response) to the value


# --- fields -------------------------------------------------------------------------------------------------


def _first(rows: list, attribute: str):
    for row in rows:
        value = getattr(row, attribute)
        if value is not None:
            return value
    return None


def _question_fields(question: Question, number: int) -> list[Field]:
    qid, kind, prompt = question.id, question.kind, question.prompt
    code, title = f"q{number}", f"{number}. {prompt}"
    labels = {option.id: option.label for option in question.options}

    def text_of(answers):
        return _first([r for r in answers.get(qid, []) if r.option_id is None], "text")

    if kind == QuestionKind.SINGLE_CHOICE:
        fields = [Field(code, title, "string", _("Question %(number)d (single choice): %(prompt)s",
                                                   number=number, prompt=prompt),
                        lambda a: labels.get(_first(a.get(qid, []), "option_id")))]
    elif kind == QuestionKind.MULTIPLE_CHOICE:
        fields = []
        for index, option in enumerate(question.options, start=1):
            def chosen(a, option_id=option.id):
                rows = a.get(qid)
                return None if not rows else int(any(r.option_id == option_id for r in rows))
            fields.append(Field(f"{code}_{index}", f"{title} — {option.label}", "integer",
                                _("Question %(number)d (multiple choice): 1 if “%(option)s” was chosen, 0 if not, "
                                  "empty if the question was not answered.", number=number, option=option.label),
                                chosen))
    elif kind == QuestionKind.RANKING:
        fields = []
        for index, option in enumerate(question.options, start=1):
            def rank(a, option_id=option.id):
                return next((r.rank for r in a.get(qid, []) if r.option_id == option_id), None)
            fields.append(Field(f"{code}_{index}", f"{title} — {option.label}", "integer",
                                _("Question %(number)d (ranking): the position given to “%(option)s” (1 = first).",
                                  number=number, option=option.label), rank))
    elif kind == QuestionKind.MATRIX:
        fields = []
        for index, matrix_row in enumerate(question.rows, start=1):
            def cell(a, row_id=matrix_row.id):
                return labels.get(next((r.option_id for r in a.get(qid, []) if r.row_id == row_id), None))
            fields.append(Field(f"{code}_r{index}", f"{title} — {matrix_row.label}", "string",
                                _("Question %(number)d (grid), row “%(row)s”: the answer chosen.",
                                  number=number, row=matrix_row.label), cell))
    elif kind in (QuestionKind.SCALE, QuestionKind.NUMBER):
        integer = kind == QuestionKind.SCALE or bool(question.setting("integer"))

        def number_value(a, integer=integer):
            value = _first(a.get(qid, []), "number")
            return int(value) if integer and value is not None else value
        fields = [Field(code, title, "integer" if integer else "number",
                        _("Question %(number)d (number): %(prompt)s", number=number, prompt=prompt), number_value)]
    elif kind == QuestionKind.DATE:
        fields = [Field(code, title, "date", _("Question %(number)d (date): %(prompt)s", number=number,
                                                 prompt=prompt), text_of)]
    else:
        fields = [Field(code, title, "string", _("Question %(number)d (written answer): %(prompt)s",
                                                   number=number, prompt=prompt), text_of)]
    if question.has_other and kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
        fields.append(Field(f"{code}_other", f"{title} — {_('Other')}", "string",
                            _("Question %(number)d: the “other” answer written in.", number=number), text_of))
    return fields


def response_fields(survey: Survey, identities: bool) -> list[Field]:
    """Every column of the responses export, in questionnaire order."""
    fields = [
        Field("response_id", _("Response"), "integer", _("Number of the response (in the order received)."),
              lambda a: a["_response"][0]),
        Field("submitted_at", _("Submitted (UTC)"), "datetime", _("When the response was submitted, in UTC."),
              lambda a: a["_response"][1]),
        Field("channel", _("Channel"), "string", _("How the response was collected: web, paper or meeting."),
              lambda a: str(a["_response"][2])),
    ]
    if identities and not survey.anonymous:
        fields += [Field("name", _("Name"), "string", _("The respondent's name."), lambda a: a["_response"][3]),
                   Field("email", _("E-mail"), "string", _("The respondent's e-mail address."),
                         lambda a: a["_response"][4])]
    numbers = survey.question_numbers()
    for question in survey.ordered_questions():
        fields += _question_fields(question, numbers[question.id])
    return fields


# --- the pivoted stream -------------------------------------------------------------------------------------


def response_rows(survey: Survey, fields: list[Field]) -> Iterator[list]:
    """One list of values per response, in response order, pivoted from a streamed join of responses and their
    answers (a response without answers still gets its line)."""
    identities = any(field.name == "email" for field in fields)
    statement = queries.export_rows(survey.id, named=identities).execution_options(
        stream_results=True, yield_per=BATCH)
    current, answers = None, {}
    for row in db.session.execute(statement):
        head = tuple(row[:5] if identities else row[:3])
        if current is not None and head[0] != current[0]:
            yield _line(fields, current, answers)
            answers = {}
        current = head
        if row.question_id is not None:
            answers.setdefault(row.question_id, []).append(row)
    if current is not None:
        yield _line(fields, current, answers)


def _line(fields: list[Field], response: tuple, answers: dict) -> list:
    answers["_response"] = response
    return [field.value(answers) for field in fields]


# --- formats ------------------------------------------------------------------------------------------------


def _iso(value) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value


def _plain(value) -> Any:
    """A value as a CSV cell: numbers without a useless ".0", times in ISO 8601 UTC, nothing as empty."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return _iso(value)


def _defused(value):
    """A text cell a spreadsheet will not run as a formula (a leading apostrophe, as OWASP advises)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_chunks(header: list[str], lines: Iterable[list], bom: bool, defuse: bool) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if bom:
        buffer.write("\ufeff")
    writer.writerow(header)
    for line in lines:
        cells = [_plain(value) for value in line]
        writer.writerow([_defused(cell) for cell in cells] if defuse else cells)
        if buffer.tell() > CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def responses_csv(survey: Survey, identities: bool = True) -> Iterator[str]:
    """For spreadsheets: a byte-order mark (Excel reads UTF-8), readable headers, texts that cannot run."""
    fields = response_fields(survey, identities)
    return _csv_chunks([field.title for field in fields], response_rows(survey, fields), bom=True, defuse=True)


def responses_json(survey: Survey, identities: bool = True) -> Iterator[str]:
    """A JSON array of one object per response, keyed by the field codes, written object by object."""
    fields = response_fields(survey, identities)
    names = [field.name for field in fields]
    yield "["
    separator = "\n"
    for line in response_rows(survey, fields):
        yield separator + json.dumps({name: _iso(value) for name, value in zip(names, line)}, ensure_ascii=False)
        separator = ",\n"
    yield "\n]\n"


def _file_chunks(path: str) -> Iterator[bytes]:
    """A temporary file sent in chunks, then removed."""
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK):
                yield chunk
    finally:
        os.unlink(path)


def _temporary_path(suffix: str) -> str:
    handle, path = tempfile.mkstemp(suffix=suffix, prefix="civic-export-")
    os.close(handle)
    return path


def _xlsx_cell(sheet, value):
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # a text, even when it starts with "=": never a formula
        return cell
    if isinstance(value, dt.datetime):
        return value.astimezone(ROME).replace(tzinfo=None)
    return value


def responses_xlsx(survey: Survey, identities: bool = True) -> Iterator[bytes]:
    """An XLSX workbook written row by row (openpyxl write-only mode keeps rows in a temporary file)."""
    fields = response_fields(survey, identities)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Responses"))
    sheet.append([_("Submitted (Europe/Rome)") if field.name == "submitted_at" else field.title
                  for field in fields])
    for line in response_rows(survey, fields):
        sheet.append([_xlsx_cell(sheet, value) for value in line])
    path = _temporary_path(".xlsx")
    workbook.save(path)
    return _file_chunks(path)


# --- aggregated results -------------------------------------------------------------------------------------

RESULT_FIELDS = [
    ("question", "integer", "Question number, as respondents saw it."),
    ("prompt", "string", "The question."),
    ("kind", "string", "Question kind: single_choice, multiple_choice, scale, number, date, ranking, matrix, "
                       "short_text or long_text."),
    ("statistic", "string", "What the value is: seen (respondents shown the question), answered, count, percent "
                            "(of those who answered), ci_low and ci_high (95% Wilson interval, in percent), mean, "
                            "median, stdev (sample), min, max, mean_rank, first_place."),
    ("item", "string", "The option, scale value, bin, month or matrix row the value is about; empty for the "
                       "question as a whole."),
    ("column", "string", "The matrix column or ranking position; empty otherwise."),
    ("value", "number", "The value."),
]


def _round(value: float | None, digits: int = 4):
    return None if value is None else round(value, digits)


def result_lines(report: Report) -> Iterator[list]:
    """The aggregated results as tidy lines (question, prompt, kind, statistic, item, column, value)."""
    other = _("Other")
    for result in report.questions:
        head = [result.number, result.question.prompt, result.question.kind.value]
        yield head + ["seen", "", "", result.seen]
        yield head + ["answered", "", "", result.answered]
        for option in result.options:
            label = other if option.other else option.label
            yield head + ["count", label, "", option.count]
            if option.share is not None:
                yield head + ["percent", label, "", _round(option.share * 100)]
                yield head + ["ci_low", label, "", _round(option.interval[0] * 100)]
                yield head + ["ci_high", label, "", _round(option.interval[1] * 100)]
        for value in result.values:
            yield head + ["count", value.label, "", value.count]
        if result.summary is not None and result.summary.count:
            for name, value in (("mean", result.summary.mean), ("median", result.median),
                                ("stdev", result.summary.stdev), ("min", result.minimum),
                                ("max", result.maximum)):
                if value is not None:
                    yield head + [name, "", "", _round(value)]
        for rank in result.ranks:
            if rank.mean_rank is not None:
                yield head + ["mean_rank", rank.label, "", _round(rank.mean_rank)]
            yield head + ["first_place", rank.label, "", rank.first]
            for position, count in enumerate(rank.by_rank, start=1):
                yield head + ["count", rank.label, str(position), count]
        if result.matrix is not None:
            for label, counts in zip(result.matrix.rows, result.matrix.counts):
                for column, count in zip(result.matrix.columns, counts):
                    yield head + ["count", label, column, count]


def results_csv(report: Report) -> Iterator[str]:
    return _csv_chunks([name for name, _type, _description in RESULT_FIELDS], result_lines(report),
                       bom=False, defuse=True)


# --- data package -------------------------------------------------------------------------------------------


def _licence(survey: Survey) -> dict:
    identifier = survey.consultation.body.data_licence or "CC-BY-4.0"
    title, path = LICENCES.get(identifier, (identifier, None))
    licence = {"name": identifier, "title": title}
    if path:
        licence["path"] = path
    return licence


def descriptor(survey: Survey, fields: list[Field]) -> dict:
    """datapackage.json: the two CSV resources with their Table Schema and a description of every field."""
    body = survey.consultation.body
    return {
        "profile": "tabular-data-package",
        "name": f"survey-{survey.id}",
        "title": survey.title,
        "description": _("Responses to the survey “%(title)s” (%(body)s) and its aggregated results.",
                         title=survey.title, body=body.full_name),
        "licenses": [_licence(survey)],
        "sources": [{"title": body.full_name}],
        "created": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "resources": [
            {
                "name": "responses", "path": "responses.csv", "profile": "tabular-data-resource",
                "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
                "title": _("Responses, one line per response"),
                "schema": {"fields": [{"name": f.name, "type": f.type, "title": f.title,
                                       "description": f.description} for f in fields],
                           "primaryKey": ["response_id"]},
            },
            {
                "name": "results", "path": "results.csv", "profile": "tabular-data-resource",
                "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
                "title": _("Aggregated results"),
                "schema": {"fields": [{"name": name, "type": kind, "description": description}
                                      for name, kind, description in RESULT_FIELDS]},
            },
        ],
    }


def datapackage_zip(survey: Survey, report: Report) -> Iterator[bytes]:
    """A zip of responses.csv, results.csv and datapackage.json, written through a temporary file. No
    identities: a data package is meant to be published."""
    fields = response_fields(survey, identities=False)
    path = _temporary_path(".zip")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("responses.csv", "w") as member:
            for chunk in _csv_chunks([f.name for f in fields], response_rows(survey, fields), bom=False,
                                     defuse=False):
                member.write(chunk.encode("utf-8"))
        with archive.open("results.csv", "w") as member:
            for chunk in _csv_chunks([name for name, _t, _d in RESULT_FIELDS], result_lines(report), bom=False,
                                     defuse=False):
                member.write(chunk.encode("utf-8"))
        archive.writestr("datapackage.json", json.dumps(descriptor(survey, fields), ensure_ascii=False, indent=2))
    return _file_chunks(path)
