"""The breakdown chooser: two different choice questions of the survey (a GET form, nothing is stored)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import StopValidation, ValidationError


def question_id(value) -> int | None:
    """The chosen question's id; None for the placeholder or anything that is not a number (the validator
    then asks for a choice, instead of an error about coercion)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class Chosen:
    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        if field.data is None:
            raise StopValidation(str(self.message))


class BreakdownForm(FlaskForm):
    row = SelectField(_l("Rows: answers to"), coerce=question_id,
                      validators=[Chosen(_l("Choose the question for the rows."))])
    col = SelectField(_l("Columns: answers to"), coerce=question_id,
                      validators=[Chosen(_l("Choose the question for the columns."))])

    def set_questions(self, choices: list[tuple[int, str]]) -> None:
        placeholder = [("", _l("Choose a question"))]
        self.row.choices = placeholder + choices
        self.col.choices = placeholder + choices

    def validate_col(self, field):
        if field.data is not None and field.data == self.row.data:
            raise ValidationError(_l("Choose two different questions."))
