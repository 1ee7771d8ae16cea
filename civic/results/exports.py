"""Exports of a survey: responses (one line per response) as CSV, XLSX and JSON, the aggregated results as CSV,
and a Frictionless data package. One base (the fields and the streamed, pivoted rows) and one function per format.

Memory stays flat whatever the number of answers: the responses and their answers are read as two streams
with server-side cursors in batches (`yield_per`), both ordered by response, and pivoted into one line per
response on the fly; every format writes line by line (XLSX and ZIP through a temporary file, sent in chunks).
Speed (a million answers in seconds): Core rows, each response's own columns read and converted once rather
than once per answer, one call per answered question, and per-format conversions only on the columns whose
type needs them.

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
from itertools import groupby
from operator import itemgetter
from typing import Any, Callable, Iterable, Iterator
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE

from civic.database import db
from civic.results import queries
from civic.results.report import Report
from civic.surveys.kinds import KINDS
from civic.surveys.kinds.base import QUESTION, RESPONSE, Cells
from civic.surveys.kinds.base import ExportField as Field
from civic.surveys.models import Survey

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
class Layout:
    """The columns of a responses export and, for each question, where its cells go in a line."""
    fields: list[Field]
    named: bool  # the name and e-mail columns follow the channel
    slots: dict[int, tuple[int, int, Cells]]  # question id -> (first column, column after its last, cells)

    def columns(self, *types: str) -> list[int]:
        """The positions of the columns of these Frictionless types."""
        return [index for index, field in enumerate(self.fields) if field.type in types]


# --- fields -------------------------------------------------------------------------------------------------


def response_layout(survey: Survey, identities: bool) -> Layout:
    """Every column of the responses export, in questionnaire order, and where each question's cells go."""
    fields = [
        Field("response_id", _("Response"), "integer", _("Number of the response (in the order received).")),
        Field("submitted_at", _("Submitted (UTC)"), "datetime",
              _("When the response was submitted, in UTC.")),
        Field("channel", _("Channel"), "string", _("How the response was collected: web, paper or meeting.")),
    ]
    named = identities and not survey.anonymous
    if named:
        fields += [Field("name", _("Name"), "string", _("The respondent's name.")),
                   Field("email", _("E-mail"), "string", _("The respondent's e-mail address."))]
    numbers = survey.question_numbers()
    slots = {}
    for question in survey.ordered_questions():
        question_fields, cells = question.kind.export_columns(question, numbers[question.id])
        slots[question.id] = (len(fields), len(fields) + len(question_fields), cells)
        fields += question_fields
    return Layout(fields, named, slots)


# --- the pivoted stream -------------------------------------------------------------------------------------


def _stream(statement) -> Iterator:
    """The rows of a query, fetched BATCH at a time through a server-side cursor, as plain Core rows (the ORM
    would build each row again; iterating costs less than `partitions()`, measured)."""
    statement = statement.execution_options(stream_results=True, yield_per=BATCH)
    return iter(db.session.connection().execute(statement))


def response_rows(survey: Survey, layout: Layout) -> Iterator[list]:
    """One list of values per response, in response order (a response without answers still gets its line).
    The responses and their answers come as two streams in the same order; the answers, grouped by response
    and question, are pivoted into the response's line. The answers' query runs second, so the answers of a
    response submitted in between are left out, like their response."""
    responses = _stream(queries.export_responses(survey.id, named=layout.named))
    answers = groupby(_stream(queries.export_answers(survey.id)), key=itemgetter(RESPONSE, QUESTION))
    empty, slots = [None] * len(layout.fields), layout.slots
    head = slice(0, 5 if layout.named else 3)
    done = ((None, None), ())
    (response_id, question_id), rows = next(answers, done)
    for response in responses:
        line = empty.copy()
        line[head] = response
        line[2] = str(line[2])
        while response_id is not None and response_id < response[0]:
            (response_id, question_id), rows = next(answers, done)
        while response_id == response[0]:
            slot = slots.get(question_id)
            if slot is not None:  # else a question no longer in the survey
                start, stop, cells = slot
                line[start:stop] = cells(rows)
            (response_id, question_id), rows = next(answers, done)
        yield line


# --- formats ------------------------------------------------------------------------------------------------


def _iso(value) -> str:
    """A time in ISO 8601, UTC, to the second (isoformat is three times quicker than strftime)."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat()[:19] + "Z"
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


def _plain_cells(line: list) -> list:
    return [_plain(value) for value in line]


def _defused_cells(line: list) -> list:
    return [_defused(_plain(value)) for value in line]


def _response_cells(layout: Layout, defuse: bool) -> Callable[[list], list]:
    """What _plain (and _defused) do to a line, done in place and only to the columns whose type needs it:
    the time, the decimal numbers and (defused) the texts; the csv module writes None as an empty cell."""
    times, numbers = layout.columns("datetime"), layout.columns("number")
    texts = layout.columns("string", "date") if defuse else []

    def cells(line: list) -> list:
        for index in times:
            line[index] = _iso(line[index])
        for index in numbers:
            value = line[index]
            if isinstance(value, float) and value.is_integer():
                line[index] = int(value)
        for index in texts:
            value = line[index]
            if isinstance(value, str) and value.startswith(FORMULA_STARTS):
                line[index] = "'" + value
        return line
    return cells


def _csv_chunks(header: list[str], lines: Iterable[list], bom: bool,
                cells: Callable[[list], list]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if bom:
        buffer.write("\ufeff")
    writer.writerow(header)
    for line in lines:
        writer.writerow(cells(line))
        if buffer.tell() > CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def responses_csv(survey: Survey, identities: bool = True) -> Iterator[str]:
    """For spreadsheets: a byte-order mark (Excel reads UTF-8), readable headers, texts that cannot run."""
    layout = response_layout(survey, identities)
    return _csv_chunks([field.title for field in layout.fields], response_rows(survey, layout), bom=True,
                       cells=_response_cells(layout, defuse=True))


def responses_json(survey: Survey, identities: bool = True) -> Iterator[str]:
    """A JSON array of one object per response, keyed by the field codes, written object by object."""
    layout = response_layout(survey, identities)
    names, times = [field.name for field in layout.fields], layout.columns("datetime")
    yield "["
    separator = "\n"
    for line in response_rows(survey, layout):
        for index in times:
            line[index] = _iso(line[index])
        yield separator + json.dumps(dict(zip(names, line)), ensure_ascii=False)
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


def _xlsx_text(sheet, value: str):
    """A text as a cell value, without the characters XML cannot hold, never run as a formula nor read as an
    error code: a cell forced to text where openpyxl would take it otherwise, and only there (openpyxl takes a
    ready cell only after a ValueError, and one exception per text cell is costly)."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith("=") or value in ERROR_CODES:
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def _xlsx_cells(sheet, layout: Layout) -> Callable[[list], list]:
    """Readies a line for the sheet in place, by column type: the time in Rome's local time (a spreadsheet has
    no time zones), the texts through _xlsx_text; numbers stay as they are."""
    times, texts = layout.columns("datetime"), layout.columns("string", "date")

    def cells(line: list) -> list:
        for index in times:
            line[index] = line[index].astimezone(ROME).replace(tzinfo=None)
        for index in texts:
            if isinstance(line[index], str):
                line[index] = _xlsx_text(sheet, line[index])
        return line
    return cells


def responses_xlsx(survey: Survey, identities: bool = True) -> Iterator[bytes]:
    """An XLSX workbook written row by row (openpyxl write-only mode keeps rows in a temporary file)."""
    layout = response_layout(survey, identities)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Responses"))
    sheet.append([_("Submitted (Europe/Rome)") if field.name == "submitted_at" else field.title
                  for field in layout.fields])
    cells = _xlsx_cells(sheet, layout)
    for line in response_rows(survey, layout):
        sheet.append(cells(line))
    path = _temporary_path(".xlsx")
    workbook.save(path)
    return _file_chunks(path)


# --- aggregated results -------------------------------------------------------------------------------------

# The stored names of the kinds, for the description of the "kind" column.
KIND_NAMES = ", ".join(kind.name for kind in KINDS[:-1]) + f" or {KINDS[-1].name}"
RESULT_FIELDS = [
    ("question", "integer", "Question number, as respondents saw it."),
    ("prompt", "string", "The question."),
    ("kind", "string", f"Question kind: {KIND_NAMES}."),
    ("statistic", "string", "What the value is: seen (respondents shown the question), answered, count, percent "
                            "(of those who answered), ci_low and ci_high (95% Wilson interval, in percent), mean, "
                            "median, stdev (sample), min, max, mean_rank, first_place."),
    ("item", "string", "The option, scale value, bin, month or matrix row the value is about; empty for the "
                       "question as a whole."),
    ("column", "string", "The matrix column or ranking position; empty otherwise."),
    ("value", "number", "The value."),
]


def result_lines(report: Report) -> Iterator[list]:
    """The aggregated results as tidy lines (question, prompt, kind, statistic, item, column, value): each
    question's "seen" and "answered", then the figures its kind gives."""
    for result in report.questions:
        head = [result.number, result.question.prompt, result.question.kind.value]
        yield head + ["seen", "", "", result.seen]
        yield head + ["answered", "", "", result.answered]
        for line in result.question.kind.result_lines(result):
            yield head + list(line)


def results_csv(report: Report) -> Iterator[str]:
    return _csv_chunks([name for name, _type, _description in RESULT_FIELDS], result_lines(report),
                       bom=False, cells=_defused_cells)


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
    layout = response_layout(survey, identities=False)
    fields = layout.fields
    path = _temporary_path(".zip")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("responses.csv", "w") as member:
            for chunk in _csv_chunks([f.name for f in fields], response_rows(survey, layout), bom=False,
                                     cells=_response_cells(layout, defuse=False)):
                member.write(chunk.encode("utf-8"))
        with archive.open("results.csv", "w") as member:
            for chunk in _csv_chunks([name for name, _t, _d in RESULT_FIELDS], result_lines(report), bom=False,
                                     cells=_plain_cells):
                member.write(chunk.encode("utf-8"))
        archive.writestr("datapackage.json", json.dumps(descriptor(survey, fields), ensure_ascii=False, indent=2))
    return _file_chunks(path)
