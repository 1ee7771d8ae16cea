"""Date: a day, typed or picked (day/month/year as Italians write it is accepted too); stored as ISO text.
Results: how many answers fall in each month."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from civic.core.stats import percent
from civic.surveys.kinds.base import ExportField, Kind, parse_date, written
from civic.surveys.kinds.figures import MONTHS, ValueResult


class Date(Kind):
    name = "date"
    label = _l("Date")
    aggregates = frozenset({MONTHS})

    def read(self, reading, question) -> str | None:
        raw = reading.form.get(f"q{question.id}", "").strip()
        if not raw:
            return reading.unanswered(question)
        value = parse_date(raw)
        if value is None:
            return _("Enter a real date with day, month and year, like 14/02/2015.")
        reading.add(question, text=value.isoformat())
        return None

    def summarize(self, result, counts) -> None:
        month_counts = counts.months.get(result.question.id, [])
        total = sum(count for _month, count in month_counts)
        result.answered = total
        result.values = [ValueResult(month, count, percent(count, total)) for month, count in month_counts]

    def export_columns(self, question, number: int):
        fields = [ExportField(f"q{number}", f"{number}. {question.prompt}", "date",
                              _("Question %(number)d (date): %(prompt)s", number=number,
                                prompt=question.prompt))]

        def cells(rows):
            return [written(rows)]
        return fields, cells
