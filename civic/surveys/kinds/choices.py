"""What the kinds whose answer is one or more of the question's options share: reading the chosen options and
the "Other, please specify" text, counting each option with its share and interval, crossing in breakdowns,
and the export's "other" column. Each answer is one row per chosen option (option_id), the "other" text one
row without an option; conditions of later questions may depend on the options chosen."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField

from civic.surveys.kinds.base import (
    OTHER,
    ExportField,
    Kind,
    check_lines,
    clean_text,
    lines,
    options_field,
    written,
)
from civic.surveys.kinds.figures import OPTIONS, option_results

OTHER_MAX_LENGTH = 200  # the "other" text is a short text


class ChoiceKind(Kind):
    has_options = True
    condition_source = True
    crossable = True
    aggregates = frozenset({OPTIONS})

    # --- the builder ---

    def form_fields(self) -> dict:
        fields = {"options": options_field()}
        if self.has_other:
            fields["has_other"] = BooleanField(_l("Add “Other, please specify” with a text field"))
        return fields

    def check(self, form) -> bool:
        return check_lines(form.options, 2, self.max_options, _l("Write at least two options, one per line."))

    def settings_data(self, form) -> dict:
        data = super().settings_data(form)
        data["options"] = lines(form.options.data)
        data["has_other"] = self.has_other and bool(form.has_other.data)
        return data

    def load(self, form, question) -> None:
        form.options.data = "\n".join(option.label for option in question.options)
        if self.has_other:
            form.has_other.data = question.has_other

    # --- answering ---

    def first_input_id(self, question) -> str:
        return f"q{question.id}-{question.options[0].id if question.options else OTHER}"

    def chosen(self, reading, question, values: list[str]) -> tuple[str | None, list[int], str | None]:
        """(error, option ids, "other" text or None) of the values sent for the question."""
        error, ids = self.chosen_options(reading, question, values)
        if error:
            return error, [], None
        error, other = self.other_text(reading, question, values)
        return error, ids, other

    def other_text(self, reading, question, values: list[str]) -> tuple[str | None, str | None]:
        """(error, text) for the "other, please specify" part."""
        text = clean_text(reading.form.get(f"q{question.id}-other", ""), single_line=True)
        ticked = question.has_other and OTHER in values
        if ticked and not text:
            return _("Write your answer next to “Other”."), None
        if text and not ticked:
            if not question.has_other:
                return None, None
            return _("You wrote an answer next to “Other” without choosing it: choose “Other” or clear the "
                     "text."), None
        if ticked and len(text) > OTHER_MAX_LENGTH:
            return _("Write at most %(max)d characters (you wrote %(count)d).",
                     max=OTHER_MAX_LENGTH, count=len(text)), None
        return None, text if ticked else None

    def chosen_options(self, reading, question, values: list[str]) -> tuple[str | None, list[int]]:
        """(error, option ids) of the values sent, "other" left aside."""
        ids = []
        for value in values:
            if value == OTHER and question.has_other:
                continue
            option_id = reading.option_id(question, value)
            if option_id is None:
                return _("Choose one of the options shown."), []
            ids.append(option_id)
        return None, ids

    def store(self, reading, question, ids: list[int], other: str | None) -> None:
        reading.choose(question, ids)
        for option_id in ids:
            reading.add(question, option_id=option_id)
        if other is not None:
            reading.add(question, text=other)

    # --- results ---

    def summarize(self, result, counts) -> None:
        question = result.question
        other = counts.option(question, None)
        if self.single_answer:
            # One row per respondent: an option or the "other" text.
            result.answered = sum(counts.option(question, option.id) for option in question.options) + other
        entries = [(option.label, counts.option(question, option.id), False) for option in question.options]
        if question.has_other:
            entries.append((None, other, True))
        result.texts = other
        result.options = option_results(entries, result.answered)

    def categories(self, question) -> list[int | None]:
        keys: list[int | None] = [option.id for option in question.options]
        return keys + [None] if question.has_other else keys

    # --- exports ---

    def export_columns(self, question, number: int):
        fields, cells = self.choice_columns(question, number)
        if not question.has_other:
            return fields, cells
        other = _("Other")
        fields.append(ExportField(f"q{number}_other", f"{number}. {question.prompt} — {other}", "string",
                                  _("Question %(number)d: the “other” answer written in.", number=number)))

        def with_other(rows):
            rows = list(rows)  # read twice
            return cells(rows) + [written(rows)]
        return fields, with_other

    def choice_columns(self, question, number: int):
        """The columns of the options themselves (the "other" column is added after them)."""
        raise NotImplementedError

