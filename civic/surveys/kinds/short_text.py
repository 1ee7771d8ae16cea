"""Short text: one line of free text (a name, a neighbourhood), stored as the answer's text."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField
from wtforms.validators import NumberRange, Optional

from civic.surveys.kinds.base import ExportField, Kind, add_error, clean_text, written
from civic.surveys.kinds.figures import ANSWERED_ONCE


class ShortText(Kind):
    name = "short_text"
    label = _l("Short text")
    aggregates = frozenset({ANSWERED_ONCE})
    free_text = True
    single_line = True
    default_max_length = 200
    max_length_limit = 500  # the most a councillor may allow

    def max_length(self, question) -> int:
        return int(question.setting("max_length") or self.default_max_length)

    # --- the builder ---

    def form_fields(self) -> dict:
        return {"max_length": IntegerField(_l("Maximum length in characters"), validators=[
            Optional(), NumberRange(min=1, max=5000, message=_l("Enter a number from 1 to 5000."))])}

    def check(self, form) -> bool:
        if form.max_length.data and form.max_length.data > self.max_length_limit:
            return add_error(form.max_length, _l("At most %(max)d for this kind of question.",
                                                 max=self.max_length_limit))
        return True

    def settings_data(self, form) -> dict:
        data = super().settings_data(form)
        if form.max_length.data:
            data["settings"] = {"max_length": form.max_length.data}
        return data

    def load(self, form, question) -> None:
        form.max_length.data = question.setting("max_length")

    # --- answering ---

    def help_note(self, question) -> str:
        return _("At most %(max)d characters.", max=self.max_length(question))

    def read(self, reading, question) -> str | None:
        value = clean_text(reading.form.get(f"q{question.id}", ""), single_line=self.single_line)
        if not value:
            return reading.unanswered(question)
        limit = self.max_length(question)
        if len(value) > limit:
            return _("Write at most %(max)d characters (you wrote %(count)d).", max=limit, count=len(value))
        reading.add(question, text=value)
        return None

    # --- results and exports ---

    def summarize(self, result, counts) -> None:
        result.texts = result.answered

    def export_columns(self, question, number: int):
        fields = [ExportField(f"q{number}", f"{number}. {question.prompt}", "string",
                              _("Question %(number)d (written answer): %(prompt)s", number=number,
                                prompt=question.prompt))]

        def cells(rows):
            return [written(rows)]
        return fields, cells
