"""The breakdown chooser: two different choice questions of the survey (a GET form, nothing is stored)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import InputRequired, ValidationError


class BreakdownForm(FlaskForm):
    row = SelectField(_l("Rows: answers to"), coerce=int,
                      validators=[InputRequired(message=_l("Choose the question for the rows."))])
    col = SelectField(_l("Columns: answers to"), coerce=int,
                      validators=[InputRequired(message=_l("Choose the question for the columns."))])

    def validate_col(self, field):
        if self.row.data is not None and field.data == self.row.data:
            raise ValidationError(_l("Choose two different questions."))
