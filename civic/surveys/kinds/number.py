"""Number: a number typed in, optionally whole and within bounds; stored as the answer's number. Results:
mean, median, deviation, lowest and highest, and the values (in equal ranges when there are many)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField
from wtforms.validators import Length

from civic.core.stats import percent
from civic.surveys.kinds.base import (
    NUMBER,
    ExportField,
    Kind,
    add_error,
    first_value,
    format_number,
    parse_number,
)
from civic.surveys.kinds.figures import MOST_VALUES, VALUES, ValueResult, binned_values, number_summary, plain


class Number(Kind):
    name = "number"
    label = _l("Number")
    aggregates = frozenset({VALUES})

    # --- the builder ---

    def form_fields(self) -> dict:
        return {
            "number_min": StringField(_l("Smallest number allowed"), validators=[Length(max=20)],
                                      description=_l("Optional.")),
            "number_max": StringField(_l("Largest number allowed"), validators=[Length(max=20)],
                                      description=_l("Optional.")),
            "integer": BooleanField(_l("Whole numbers only")),
        }

    def check(self, form) -> bool:
        valid, bounds = True, {}
        for field in (form.number_min, form.number_max):
            raw = (field.data or "").strip()
            if raw:
                bounds[field.name] = parse_number(raw)
                if bounds[field.name] is None:
                    valid = add_error(field, _l("Enter a number, like 12 or 3,5."))
        low, high = bounds.get("number_min"), bounds.get("number_max")
        if valid and low is not None and high is not None and low >= high:
            valid = add_error(form.number_max, _l("The largest number must be bigger than the smallest."))
        return valid

    def settings_data(self, form) -> dict:
        data = super().settings_data(form)
        settings = {}
        for key, field in (("min", form.number_min), ("max", form.number_max)):
            if (field.data or "").strip():
                settings[key] = parse_number(field.data)
        if form.integer.data:
            settings["integer"] = True
        data["settings"] = settings
        return data

    def load(self, form, question) -> None:
        form.number_min.data = format_number(question.setting("min"))
        form.number_max.data = format_number(question.setting("max"))
        form.integer.data = bool(question.setting("integer"))

    # --- answering ---

    def read(self, reading, question) -> str | None:
        raw = reading.form.get(f"q{question.id}", "").strip()
        if not raw:
            return reading.unanswered(question)
        value = parse_number(raw)
        if value is None:
            return _("Enter a number, like 12 or 3,5.")
        if question.setting("integer") and not value.is_integer():
            return _("Enter a whole number, without decimals.")
        low, high = question.setting("min"), question.setting("max")
        if low is not None and high is not None and not low <= value <= high:
            return _("Enter a number from %(min)s to %(max)s.", min=format_number(low),
                     max=format_number(high))
        if low is not None and value < low:
            return _("Enter a number of at least %(min)s.", min=format_number(low))
        if high is not None and value > high:
            return _("Enter a number of at most %(max)s.", max=format_number(high))
        reading.add(question, number=value)
        return None

    # --- results and exports ---

    def summarize(self, result, counts) -> None:
        value_counts = counts.values.get(result.question.id, [])
        count = number_summary(result, value_counts)
        if not count:
            return
        if len(value_counts) <= MOST_VALUES:
            result.values = [ValueResult(plain(value), n, percent(n, count)) for value, n in value_counts]
        else:
            result.binned = True
            result.values = binned_values(value_counts, count)

    def export_columns(self, question, number: int):
        integer = bool(question.setting("integer"))
        kind = "integer" if integer else "number"
        fields = [ExportField(f"q{number}", f"{number}. {question.prompt}", kind,
                              _("Question %(number)d (number): %(prompt)s", number=number,
                                prompt=question.prompt))]

        def cells(rows):
            value = first_value(rows, NUMBER)
            return [int(value) if integer and value is not None else value]
        return fields, cells
