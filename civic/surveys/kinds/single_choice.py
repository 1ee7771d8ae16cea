"""Single choice: one of a few options shown as radio buttons, optionally "Other, please specify"."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from civic.surveys.kinds.base import OPTION, ExportField, first_value
from civic.surveys.kinds.choices import ChoiceKind


class SingleChoice(ChoiceKind):
    name = "single_choice"
    label = _l("Single choice")
    has_other = True
    # The description of its column in the responses export (and the data package).
    column_description = _l("Question %(number)d (single choice): %(prompt)s")

    def read(self, reading, question) -> str | None:
        values = reading.values(f"q{question.id}")
        if len(values) > 1:
            return _("Choose only one option.")
        error, ids, other = self.chosen(reading, question, values)
        if error:
            return error
        if not ids and other is None:
            return reading.unanswered(question)
        self.store(reading, question, ids, other)
        return None

    def choice_columns(self, question, number: int):
        labels = {option.id: option.label for option in question.options}
        description = str(self.column_description) % {"number": number, "prompt": question.prompt}
        fields = [ExportField(f"q{number}", f"{number}. {question.prompt}", "string", description)]

        def cells(rows):
            return [labels.get(first_value(rows, OPTION))]
        return fields, cells
