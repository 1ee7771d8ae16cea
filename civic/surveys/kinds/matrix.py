"""Matrix: rows × columns, one choice (a column) per row, as a group of radio buttons per row. Stored as one
row per answered matrix row: row_id + option_id (the column). "Required" means every row answered."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from civic.surveys.kinds.base import (
    MATRIX_ROW,
    OPTION,
    ExportField,
    Kind,
    check_lines,
    lines,
    options_field,
    rows_field,
)
from civic.surveys.kinds.figures import ANSWERED, OPTIONS, MatrixResult


class Matrix(Kind):
    name = "matrix"
    label = _l("Matrix (rows × columns, one choice per row)")
    has_options = True
    options_label = _l("Columns")
    has_rows = True
    aggregates = frozenset({ANSWERED, OPTIONS})

    # --- the builder ---

    def form_fields(self) -> dict:
        return {"options": options_field(), "rows": rows_field()}

    def shown_fields(self) -> tuple[str, ...]:
        return ("rows", "options")

    def check(self, form) -> bool:
        columns = check_lines(form.options, 2, self.max_options,
                              _l("Write at least two options, one per line."))
        rows = check_lines(form.rows, 1, self.max_options, _l("Write at least one row."))
        return columns and rows

    def settings_data(self, form) -> dict:
        return {**super().settings_data(form), "options": lines(form.options.data),
                "rows": lines(form.rows.data)}

    def load(self, form, question) -> None:
        form.options.data = "\n".join(option.label for option in question.options)
        form.rows.data = "\n".join(row.label for row in question.rows)

    # --- answering ---

    def first_input_id(self, question) -> str:
        return f"q{question.id}-r{question.rows[0].id}-{question.options[0].id}"

    def read(self, reading, question) -> str | None:
        cells, missing = [], []
        for row in question.rows:
            values = reading.values(f"q{question.id}-r{row.id}")
            if not values:
                missing.append(row.label)
                continue
            if len(values) > 1:
                return _("Choose one answer in each row.")
            option_id = reading.option_id(question, values[0])
            if option_id is None:
                return _("Choose one of the options shown.")
            cells.append((row.id, option_id))
        if question.required and not cells:
            return _("Answer every row.")
        if question.required and missing:
            return _("Answer every row (missing: %(rows)s).", rows=", ".join(missing))
        for row_id, option_id in cells:
            reading.add(question, row_id=row_id, option_id=option_id)
        return None

    # --- results and exports ---

    def summarize(self, result, counts) -> None:
        question = result.question
        cells = [[counts.cell(question, row.id, option.id) for option in question.options]
                 for row in question.rows]
        result.matrix = MatrixResult(rows=[row.label for row in question.rows],
                                     columns=[option.label for option in question.options],
                                     counts=cells, row_totals=[sum(row) for row in cells])

    def export_columns(self, question, number: int):
        labels = {option.id: option.label for option in question.options}
        fields = [ExportField(f"q{number}_r{index}", f"{number}. {question.prompt} — {matrix_row.label}",
                              "string", _("Question %(number)d (grid), row “%(row)s”: the answer chosen.",
                                number=number, row=matrix_row.label))
                  for index, matrix_row in enumerate(question.rows, start=1)]
        row_ids = [matrix_row.id for matrix_row in question.rows]

        def cells(rows):
            chosen: dict = {}
            for row in rows:
                chosen.setdefault(row[MATRIX_ROW], row[OPTION])  # the first answer in a row counts
            return [labels.get(chosen.get(row_id)) for row_id in row_ids]
        return fields, cells
