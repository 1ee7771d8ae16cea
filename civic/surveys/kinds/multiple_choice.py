"""Multiple choice: any number of options as checkboxes (within a minimum and a maximum), optionally "Other,
please specify". Each option is counted on its own, so the percentages may add up to more than 100%."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from wtforms import IntegerField
from wtforms.validators import NumberRange, Optional

from civic.surveys.kinds.base import OPTION, ExportField, add_error, lines
from civic.surveys.kinds.choices import ChoiceKind
from civic.surveys.kinds.figures import ANSWERED, OPTIONS


class MultipleChoice(ChoiceKind):
    name = "multiple_choice"
    label = _l("Multiple choice")
    has_other = True
    single_answer = False
    aggregates = frozenset({ANSWERED, OPTIONS})

    # --- the builder ---

    def form_fields(self) -> dict:
        between = NumberRange(min=1, max=self.max_options, message=_l("Enter a number from 1 to 50."))
        return {
            **super().form_fields(),
            "min_choices": IntegerField(_l("Minimum number of choices"), validators=[Optional(), between]),
            "max_choices": IntegerField(_l("Maximum number of choices"), validators=[Optional(), between]),
        }

    def check(self, form) -> bool:
        if not super().check(form):
            return False
        available = len(lines(form.options.data)) + bool(form.has_other.data)
        low, high = form.min_choices.data, form.max_choices.data
        if high and high > available:
            return add_error(form.max_choices, _l("There are only %(count)d options.", count=available))
        if low and low > available:
            return add_error(form.min_choices, _l("There are only %(count)d options.", count=available))
        if low and high and low > high:
            return add_error(form.max_choices, _l("The maximum cannot be smaller than the minimum."))
        return True

    def settings_data(self, form) -> dict:
        data = super().settings_data(form)
        data["settings"] = {key: value for key, value in (("min_choices", form.min_choices.data),
                                                          ("max_choices", form.max_choices.data)) if value}
        return data

    def load(self, form, question) -> None:
        super().load(form, question)
        form.min_choices.data = question.setting("min_choices")
        form.max_choices.data = question.setting("max_choices")

    # --- answering ---

    def help_note(self, question) -> str:
        low, high = question.setting("min_choices"), question.setting("max_choices")
        if low and high:
            limits = _("From %(min)d to %(max)d options.", min=low, max=high)
        elif low:
            limits = ngettext("At least %(num)d option.", "At least %(num)d options.", low)
        elif high:
            limits = ngettext("At most %(num)d option.", "At most %(num)d options.", high)
        else:
            return _("Choose all that apply.")
        return " ".join((_("Choose all that apply."), limits))

    def read(self, reading, question) -> str | None:
        values = reading.values(f"q{question.id}")
        error, ids, other = self.chosen(reading, question, values)
        if error:
            return error
        count = len(ids) + (other is not None)
        if count == 0:
            return reading.unanswered(question)
        low, high = question.setting("min_choices"), question.setting("max_choices")
        if low and count < low:
            return ngettext("Choose at least %(num)d option.", "Choose at least %(num)d options.", low)
        if high and count > high:
            return ngettext("Choose at most %(num)d option.", "Choose at most %(num)d options.", high)
        self.store(reading, question, ids, other)
        return None

    # --- exports ---

    def choice_columns(self, question, number: int):
        option_ids = [option.id for option in question.options]
        title = f"{number}. {question.prompt}"
        fields = [ExportField(f"q{number}_{index}", f"{title} — {option.label}", "integer",
                              _("Question %(number)d (multiple choice): 1 if “%(option)s” was chosen, 0 if "
                                "not, empty if the question was not answered.", number=number,
                                option=option.label))
                  for index, option in enumerate(question.options, start=1)]

        def cells(rows):  # only called for an answered question: every option is then 1 or 0
            chosen = {row[OPTION] for row in rows}
            return [1 if option_id in chosen else 0 for option_id in option_ids]
        return fields, cells
