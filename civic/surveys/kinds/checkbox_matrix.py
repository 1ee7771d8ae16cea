"""Checkbox matrix: rows × columns with any number of boxes ticked per row (which services each
neighbourhood lacks). Stored as one answer row per ticked cell, row_id + option_id (the column), as the radio
matrix stores its choices; "required" means at least one box ticked in the question. Results: per cell the
respondents who ticked it, the percent of those who answered the question and its 95% Wilson interval, as a
table per row. Not crossed in breakdowns; exported as one column per cell holding 1 or 0 (empty when the
question was not answered), like a multiple choice."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField

from civic.surveys.kinds.base import MATRIX_ROW, OPTION, ExportField, options_field, rounded
from civic.surveys.kinds.figures import OptionResult, option_results
from civic.surveys.kinds.matrix import Matrix


@dataclass
class RowResult:
    label: str
    cells: list[OptionResult]  # one per column


class CheckboxMatrix(Matrix):
    name = "checkbox_matrix"
    label = _l("Checkbox matrix (rows × columns, several choices per row)")

    def form_fields(self) -> dict:
        return {"options": options_field(), "rows": TextAreaField(
            _l("Rows"), render_kw={"rows": 4},
            description=_l("One per line: in each row, people can tick any of the columns."))}

    # --- answering ---

    def help_note(self, question) -> str:
        return _("In each row, tick all that apply.")

    def read(self, reading, question) -> str | None:
        cells = []
        for row in question.rows:
            for value in reading.values(f"q{question.id}-r{row.id}"):
                option_id = reading.option_id(question, value)
                if option_id is None:
                    return _("Choose one of the options shown.")
                cells.append((row.id, option_id))
        if not cells:
            return _("Tick at least one box.") if question.required else None
        for row_id, option_id in cells:
            reading.add(question, row_id=row_id, option_id=option_id)
        return None

    # --- results ---

    def summarize(self, result, counts) -> None:
        question = result.question
        result.details = []
        for row in question.rows:
            entries = [(option.label, counts.cell(question, row.id, option.id), False)
                       for option in question.options]
            result.details.append(RowResult(row.label, option_results(entries, result.answered)))

    def result_lines(self, result):
        for row in result.details or []:
            for cell in row.cells:
                yield "count", row.label, cell.label, cell.count
                if cell.share is not None:
                    yield "percent", row.label, cell.label, rounded(cell.share * 100)
                    yield "ci_low", row.label, cell.label, rounded(cell.interval[0] * 100)
                    yield "ci_high", row.label, cell.label, rounded(cell.interval[1] * 100)

    # --- exports ---

    def export_columns(self, question, number: int):
        title = f"{number}. {question.prompt}"
        fields, keys = [], []
        for i, row in enumerate(question.rows, start=1):
            for j, option in enumerate(question.options, start=1):
                fields.append(ExportField(
                    f"q{number}_r{i}_{j}", f"{title} — {row.label} — {option.label}", "integer",
                    _("Question %(number)d (checkbox grid), row “%(row)s”, column “%(column)s”: 1 if "
                      "ticked, 0 if not, empty if the question was not answered.", number=number,
                      row=row.label, column=option.label)))
                keys.append((row.id, option.id))

        def cells(rows):  # only called for an answered question: every cell is then 1 or 0
            ticked = {(row[MATRIX_ROW], row[OPTION]) for row in rows}
            return [1 if key in ticked else 0 for key in keys]
        return fields, cells
