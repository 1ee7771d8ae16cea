"""Scale: one value on a short scale (1 to 5, 0 to 10), radio buttons with labels on the two ends; stored as
the answer's number. Results: mean, median, deviation and how many chose each value."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional

from civic.core.stats import percent
from civic.surveys.kinds.base import NUMBER, ExportField, Kind, add_error, first_value, small_integer
from civic.surveys.kinds.figures import VALUES, ValueResult, number_summary


class Scale(Kind):
    name = "scale"
    label = _l("Scale (e.g. 1 to 5)")
    aggregates = frozenset({VALUES})

    def values(self, question) -> range:
        """The values a respondent can choose, in order."""
        return range(int(question.setting("min", 1)), int(question.setting("max", 5)) + 1)

    # --- the builder ---

    def form_fields(self) -> dict:
        return {
            "scale_min": SelectField(_l("Scale starts at"), coerce=int, choices=[(1, "1"), (0, "0")],
                                     default=1),
            "scale_max": IntegerField(_l("Scale ends at"), default=5, validators=[
                Optional(), NumberRange(min=2, max=10, message=_l("Enter a number from 2 to 10."))]),
            "min_label": StringField(_l("Label of the lowest value"),
                                     description=_l("For example: not at all"),
                                     validators=[Length(max=60, message=_l("At most 60 characters."))]),
            "max_label": StringField(_l("Label of the highest value"),
                                     description=_l("For example: very much"),
                                     validators=[Length(max=60, message=_l("At most 60 characters."))]),
        }

    def check(self, form) -> bool:
        if not form.scale_max.data:
            return add_error(form.scale_max, _l("Enter where the scale ends."))
        return True

    def settings_data(self, form) -> dict:
        data = super().settings_data(form)
        data["settings"] = {"min": form.scale_min.data, "max": form.scale_max.data,
                            "min_label": (form.min_label.data or "").strip(),
                            "max_label": (form.max_label.data or "").strip()}
        return data

    def load(self, form, question) -> None:
        form.scale_min.data, form.scale_max.data = question.setting("min", 1), question.setting("max", 5)
        form.min_label.data = question.setting("min_label", "")
        form.max_label.data = question.setting("max_label", "")

    # --- answering ---

    def first_input_id(self, question) -> str:
        return f"q{question.id}-{self.values(question).start}"

    def read(self, reading, question) -> str | None:
        values = reading.values(f"q{question.id}")
        if not values:
            return reading.unanswered(question)
        allowed = self.values(question)
        if len(values) > 1:
            return _("Choose only one value.")
        if small_integer(values[0]) not in allowed:
            return _("Choose a value from %(min)d to %(max)d.", min=allowed.start, max=allowed.stop - 1)
        reading.add(question, number=float(values[0]))
        return None

    # --- results and exports ---

    def summarize(self, result, counts) -> None:
        value_counts = counts.values.get(result.question.id, [])
        count = number_summary(result, value_counts)
        found = dict(value_counts)
        result.values = [ValueResult(str(v), found.get(float(v), 0), percent(found.get(float(v), 0), count))
                         for v in self.values(result.question)]

    def export_columns(self, question, number: int):
        fields = [ExportField(f"q{number}", f"{number}. {question.prompt}", "integer",
                              _("Question %(number)d (number): %(prompt)s", number=number,
                                prompt=question.prompt))]

        def cells(rows):
            value = first_value(rows, NUMBER)
            return [int(value) if value is not None else value]
        return fields, cells
