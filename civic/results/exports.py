"""Exports of a survey: responses (one line per response) as CSV, XLSX and JSON, the aggregated results as
CSV, and a Frictionless data package. One base (the fields and the streamed, pivoted rows) and one function
per format.

Memory stays flat whatever the number of answers: the responses and their answers are read as two streams
with server-side cursors in batches (`yield_per`), both ordered by response, and pivoted into one line per
response on the fly; every format writes line by line (XLSX and ZIP through a temporary file, sent in chunks).
Speed (a million answers in seconds): Core rows, each response's own columns read and converted once rather
than once per answer, one call per answered question, and per-format conversions only on the columns whose
type needs them.

Columns, one per atomic answer: a single choice is the chosen option's label; a multiple choice is one column
per option holding 1 (chosen) or 0 (answered the question without choosing it), empty when the question was
not answered, which keeps every option countable in a spreadsheet; "other" texts get a column of their own; a
ranking is one column per option with its rank; a matrix one column per row with the chosen column's label.
Anonymous surveys export no identity column; named surveys add the person's name and e-mail (exports are for
the body's councillors only). The data package, meant to be published, never carries identities."""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import Any

from flask_babel import gettext as _

from civic.core import spreadsheets
from civic.core.licences import LICENCES
from civic.core.timezone import ROME
from civic.database import db
from civic.results import queries
from civic.results.report import Report
from civic.surveys.kinds import KINDS
from civic.surveys.kinds.base import QUESTION, RESPONSE, Cells
from civic.surveys.kinds.base import ExportField as Field
from civic.surveys.models import Survey

BATCH = 2000  # rows fetched per round trip


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
    if survey.anonymous:  # released in shuffled batches (civic.surveys.batches): neither order nor time
        number = _("Number of the response: anonymous responses are numbered in a random order within each "
                   "batch that reached the results.")
        when = _("The day the response reached the results, as midnight Italian time written in UTC: "
                 "anonymous responses carry no time of day.")
    else:
        number = _("Number of the response (in the order received).")
        when = _("When the response was submitted, in UTC.")
    fields = [
        Field("response_id", _("Response"), "integer", number),
        Field("submitted_at", _("Submitted (UTC)"), "datetime", when),
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
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat()[:19] + "Z"
    return value


def _plain(value) -> Any:
    """A value as a CSV cell: numbers without a useless ".0", times in ISO 8601 UTC, nothing as empty."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return _iso(value)


def _plain_cells(line: list) -> list:
    return [_plain(value) for value in line]


def _response_cells(layout: Layout) -> Callable[[list], list]:
    """What _plain does to a line, done in place and only to the columns whose type needs it: the time and the
    decimal numbers; the csv module writes None as an empty cell."""
    times, numbers = layout.columns("datetime"), layout.columns("number")

    def cells(line: list) -> list:
        for index in times:
            line[index] = _iso(line[index])
        for index in numbers:
            value = line[index]
            if isinstance(value, float) and value.is_integer():
                line[index] = int(value)
        return line
    return cells


def responses_csv(survey: Survey, identities: bool = True) -> Iterator[str]:
    """For spreadsheets: a byte-order mark (Excel reads UTF-8), readable headers, texts that cannot run."""
    layout = response_layout(survey, identities)
    header, texts = [field.title for field in layout.fields], layout.columns("string", "date")
    return spreadsheets.spreadsheet_csv(header, response_rows(survey, layout), texts=texts,
                                        prepare=_response_cells(layout))


def responses_json(survey: Survey, identities: bool = True) -> Iterator[str]:
    """A JSON array of one object per response, keyed by the field codes, written object by object."""
    layout = response_layout(survey, identities)
    names, times = [field.name for field in layout.fields], layout.columns("datetime")
    yield "["
    separator = "\n"
    for line in response_rows(survey, layout):
        for index in times:
            line[index] = _iso(line[index])
        yield separator + json.dumps(dict(zip(names, line, strict=True)), ensure_ascii=False)
        separator = ",\n"
    yield "\n]\n"


def _rome_times(layout: Layout) -> Callable[[list], list]:
    """Readies a line for the sheet in place: the time in Rome's local time (a spreadsheet has no time zones);
    numbers stay as they are."""
    times = layout.columns("datetime")

    def cells(line: list) -> list:
        for index in times:
            line[index] = line[index].astimezone(ROME).replace(tzinfo=None)
        return line
    return cells


def responses_xlsx(survey: Survey, identities: bool = True) -> Iterator[bytes]:
    """An XLSX workbook written row by row, texts that cannot run, times in Rome's local time."""
    layout = response_layout(survey, identities)
    header = [_("Submitted (Europe/Rome)") if field.name == "submitted_at" else field.title
              for field in layout.fields]
    return spreadsheets.spreadsheet_xlsx(_("Responses"), header, response_rows(survey, layout),
                                         texts=layout.columns("string", "date"), prepare=_rome_times(layout))


# --- aggregated results -------------------------------------------------------------------------------------

# The stored names of the kinds, for the description of the "kind" column.
KIND_NAMES = ", ".join(kind.name for kind in KINDS[:-1]) + f" or {KINDS[-1].name}"
RESULT_FIELDS = [
    ("question", "integer", "Question number, as respondents saw it; empty for the survey as a whole."),
    ("prompt", "string", "The question."),
    ("kind", "string", f"Question kind: {KIND_NAMES}."),
    ("statistic", "string", "What the value is: seen (respondents shown the question), answered, count, "
                            "percent (of those who answered), ci_low and ci_high (95% Wilson interval, in "
                            "percent), mean, median, stdev (sample), min, max, mean_rank, first_place; for "
                            "the survey as a whole, verified_responses (responses from verified residents of "
                            "the body, when the survey took others too; empty when too few to show)."),
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
    if report.mixes_verified:
        shown = report.verified_shown(public=True)  # open data: small cells never exact
        yield ["", "", "", "verified_responses", "", "", "" if shown.value is None else shown.value]


def results_csv(report: Report) -> Iterator[str]:
    """For spreadsheets, like every CSV download: a byte-order mark, texts that cannot run."""
    return spreadsheets.spreadsheet_csv([name for name, _type, _description in RESULT_FIELDS],
                                        result_lines(report), prepare=_plain_cells)


# --- data package -------------------------------------------------------------------------------------------


def _licence(survey: Survey) -> dict:
    identifier = survey.consultation.body.data_licence or "CC-BY-4.0"
    title, path = LICENCES.get(identifier, (identifier, None))
    licence = {"name": identifier, "title": title}
    if path:
        licence["path"] = path
    return licence


def descriptor(survey: Survey, fields: list[Field] | None) -> dict:
    """datapackage.json: the CSV resources with their Table Schema and a description of every field, and a
    warning that they are raw data (spreadsheets could run some texts as formulas). Without `fields`, the
    public package: the aggregated results only."""
    body = survey.consultation.body
    raw = _("Raw data for programs: every text is exactly as written, so a text starting with =, +, -, @ "
            "(or their full-width forms), a tab or a line break could run as a formula if this file is "
            "opened in a spreadsheet. It is not made safe, since that would change the values: import it as "
            "text, or use the CSV downloads meant for spreadsheets.")
    resources = [{
        "name": "results", "path": "results.csv", "profile": "tabular-data-resource",
        "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
        "title": _("Aggregated results"), "description": raw,
        "schema": {"fields": [{"name": name, "type": kind, "description": description}
                              for name, kind, description in RESULT_FIELDS]},
    }]
    if fields is not None:
        resources.insert(0, {
            "name": "responses", "path": "responses.csv", "profile": "tabular-data-resource",
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
            "title": _("Responses, one line per response"), "description": raw,
            "schema": {"fields": [{"name": f.name, "type": f.type, "title": f.title,
                                   "description": f.description} for f in fields],
                       "primaryKey": ["response_id"]},
        })
        description = _("Responses to the survey “%(title)s” (%(body)s) and its aggregated results.",
                         title=survey.title, body=body.full_name)
    else:
        description = _("The aggregated results of the survey “%(title)s” (%(body)s).",
                        title=survey.title, body=body.full_name)
    return {
        "profile": "tabular-data-package",
        "name": f"survey-{survey.id}" + ("" if fields is not None else "-results"),
        "title": survey.title,
        "description": description,
        "licenses": [_licence(survey)],
        "sources": [{"title": body.full_name}],
        "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "resources": resources,
    }


def datapackage_zip(survey: Survey, report: Report) -> Iterator[bytes]:
    """A zip of responses.csv, results.csv (raw data, without byte-order mark) and datapackage.json, written
    through a temporary file. No identities: a data package is meant to be published."""
    layout = response_layout(survey, identities=False)
    fields = layout.fields
    return spreadsheets.zip_download([
        ("responses.csv", spreadsheets.data_csv([f.name for f in fields], response_rows(survey, layout),
                                                prepare=_response_cells(layout))),
        ("results.csv", spreadsheets.data_csv([name for name, _t, _d in RESULT_FIELDS], result_lines(report),
                                              prepare=_plain_cells)),
        ("datapackage.json", [json.dumps(descriptor(survey, fields), ensure_ascii=False, indent=2)]),
    ])


def results_datapackage_zip(survey: Survey, report: Report) -> Iterator[bytes]:
    """The public data package: results.csv (raw data) and its datapackage.json, no response at all."""
    return spreadsheets.zip_download([
        ("results.csv", spreadsheets.data_csv([name for name, _t, _d in RESULT_FIELDS], result_lines(report),
                                              prepare=_plain_cells)),
        ("datapackage.json", [json.dumps(descriptor(survey, None), ensure_ascii=False, indent=2)]),
    ])
