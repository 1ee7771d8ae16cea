"""Builder forms (survey settings, sections, questions) and the channel choice for paper responses. The
answering form is dynamic and read by civic.surveys.validation."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields import DateTimeLocalField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from civic.core.timezone import rome_to_utc
from civic.surveys.models import Audience, Channel, QuestionKind, ResultsVisibility
from civic.surveys.validation import MAX_LENGTH_LIMIT, format_number, parse_number

MAX_OPTIONS = 50

KIND_LABELS = {
    QuestionKind.SHORT_TEXT: _l("Short text"),
    QuestionKind.LONG_TEXT: _l("Long text"),
    QuestionKind.SINGLE_CHOICE: _l("Single choice"),
    QuestionKind.MULTIPLE_CHOICE: _l("Multiple choice"),
    QuestionKind.SCALE: _l("Scale (e.g. 1 to 5)"),
    QuestionKind.NUMBER: _l("Number"),
    QuestionKind.DATE: _l("Date"),
    QuestionKind.RANKING: _l("Ranking (put options in order)"),
    QuestionKind.MATRIX: _l("Matrix (rows × columns, one choice per row)"),
}
AUDIENCE_LABELS = {
    Audience.ANYONE: _l("Anyone, also without an account"),
    Audience.REGISTERED: _l("People with an account"),
    Audience.CONFIRMED: _l("People with an account and a confirmed e-mail address"),
}
VISIBILITY_LABELS = {
    ResultsVisibility.COUNCILLORS: _l("Only councillors"),
    ResultsVisibility.AFTER_CLOSE: _l("Everyone, after the survey closes"),
    ResultsVisibility.WHILE_OPEN: _l("Everyone, also while it is open"),
}
CHANNEL_LABELS = {
    Channel.WEB: _l("On this website"),
    Channel.PAPER: _l("Paper form"),
    Channel.MEETING: _l("At a public meeting"),
}
# Which question-form fields each kind uses (the template shows only these, the form checks only these).
KIND_FIELDS = {
    QuestionKind.SHORT_TEXT: ("max_length",),
    QuestionKind.LONG_TEXT: ("max_length",),
    QuestionKind.SINGLE_CHOICE: ("options", "has_other"),
    QuestionKind.MULTIPLE_CHOICE: ("options", "has_other", "min_choices", "max_choices"),
    QuestionKind.SCALE: ("scale_min", "scale_max", "min_label", "max_label"),
    QuestionKind.NUMBER: ("number_min", "number_max", "integer"),
    QuestionKind.DATE: (),
    QuestionKind.RANKING: ("options",),
    QuestionKind.MATRIX: ("rows", "options"),
}


class LocalDateTimeField(DateTimeLocalField):
    """A datetime-local field showing what browsers send ("2015-02-14T09:00"), with a translated message for
    what is not a date and time."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"])
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(_l("Enter a date and a time, like 14/02/2015 09:00.")) from error


def _lines(text: str | None) -> list[str]:
    return [" ".join(line.split()) for line in (text or "").splitlines() if line.strip()]


class SurveyForm(FlaskForm):
    consultation = SelectField(_l("Consultation"), coerce=int)
    title = StringField(_l("Title"), validators=[InputRequired(message=_l("Enter a title.")),
                                                  Length(max=200, message=_l("At most 200 characters."))])
    introduction = TextAreaField(
        _l("Introduction"), validators=[Length(max=20000, message=_l("At most 20000 characters."))],
        description=_l("Shown above the questions. You can use Markdown: **bold**, lists, links."),
        render_kw={"rows": 5},
    )
    opens_at = LocalDateTimeField(_l("Opens at"), validators=[Optional()],
                                  description=_l("Italian time. Empty: as soon as you open it."))
    closes_at = LocalDateTimeField(_l("Closes at"), validators=[Optional()],
                                   description=_l("Italian time. Empty: until you close it."))
    audience = SelectField(_l("Who can answer"), choices=list(AUDIENCE_LABELS.items()),
                           default=Audience.ANYONE.value)
    anonymous = BooleanField(
        _l("Anonymous answers"), default=True,
        description=_l("Nobody, councillors included, can see who gave which answers. A survey open to "
                       "people without an account is always anonymous."),
    )
    results_visibility = SelectField(_l("Who sees the results"), choices=list(VISIBILITY_LABELS.items()),
                                     default=ResultsVisibility.AFTER_CLOSE.value)
    thank_you = TextAreaField(
        _l("Thank-you message"), validators=[Length(max=5000, message=_l("At most 5000 characters."))],
        description=_l("Shown after someone answers. Empty: a standard thank-you."), render_kw={"rows": 3},
    )

    def validate_closes_at(self, field):
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("The closing time must come after the opening time."))

    def validate_audience(self, field):
        if field.data == Audience.ANYONE.value and not self.anonymous.data:
            raise ValidationError(_l("Named answers need an account: choose people with an account, or make "
                                     "the survey anonymous."))

    def settings(self) -> dict:
        return {
            "title": self.title.data.strip(),
            "introduction": (self.introduction.data or "").strip(),
            "opens_at": rome_to_utc(self.opens_at.data),
            "closes_at": rome_to_utc(self.closes_at.data),
            "audience": Audience(self.audience.data),
            "anonymous": bool(self.anonymous.data),
            "results_visibility": ResultsVisibility(self.results_visibility.data),
            "thank_you": (self.thank_you.data or "").strip(),
        }


class ConditionFields:
    """The "show only if" pair shared by sections and questions; choices are set by the view."""

    condition_option = SelectField(
        _l("Show only if"), coerce=int, validators=[Optional()],
        description=_l("Choose an answer to an earlier choice question, or leave “always”."),
    )
    condition_negate = SelectField(
        _l("Condition"), coerce=int,
        choices=[(0, _l("the person chose that answer")), (1, _l("the person did not choose that answer"))],
        validators=[Optional()], default=0,
    )

    def condition_data(self) -> dict:
        return {"condition_option_id": self.condition_option.data or None,
                "condition_negate": bool(self.condition_negate.data)}


class SectionForm(ConditionFields, FlaskForm):
    title = StringField(_l("Section title"),
                        validators=[Length(max=200, message=_l("At most 200 characters."))])
    description = TextAreaField(_l("Description"),
                                validators=[Length(max=5000, message=_l("At most 5000 characters."))],
                                render_kw={"rows": 3})


class QuestionForm(ConditionFields, FlaskForm):
    prompt = StringField(_l("Question"), validators=[InputRequired(message=_l("Write the question.")),
                                                      Length(max=500, message=_l("At most 500 characters."))])
    help_text = TextAreaField(_l("Help text"),
                              validators=[Length(max=1000, message=_l("At most 1000 characters."))],
                              description=_l("Optional: an explanation shown under the question."),
                              render_kw={"rows": 2})
    required = BooleanField(_l("An answer is required"))
    section = SelectField(_l("Section"), coerce=int)
    options = TextAreaField(_l("Options"), description=_l("One per line, in the order shown."),
                            render_kw={"rows": 5})
    rows = TextAreaField(_l("Rows"), render_kw={"rows": 4},
                         description=_l("One per line: each row gets one answer from the columns."))
    has_other = BooleanField(_l("Add “Other, please specify” with a text field"))
    min_choices = IntegerField(_l("Minimum number of choices"), validators=[
        Optional(), NumberRange(min=1, max=MAX_OPTIONS, message=_l("Enter a number from 1 to 50."))])
    max_choices = IntegerField(_l("Maximum number of choices"), validators=[
        Optional(), NumberRange(min=1, max=MAX_OPTIONS, message=_l("Enter a number from 1 to 50."))])
    scale_min = SelectField(_l("Scale starts at"), coerce=int, choices=[(1, "1"), (0, "0")], default=1)
    scale_max = IntegerField(_l("Scale ends at"), default=5, validators=[
        Optional(), NumberRange(min=2, max=10, message=_l("Enter a number from 2 to 10."))])
    min_label = StringField(_l("Label of the lowest value"), description=_l("For example: not at all"),
                            validators=[Length(max=60, message=_l("At most 60 characters."))])
    max_label = StringField(_l("Label of the highest value"), description=_l("For example: very much"),
                            validators=[Length(max=60, message=_l("At most 60 characters."))])
    number_min = StringField(_l("Smallest number allowed"), validators=[Length(max=20)],
                             description=_l("Optional."))
    number_max = StringField(_l("Largest number allowed"), validators=[Length(max=20)],
                             description=_l("Optional."))
    integer = BooleanField(_l("Whole numbers only"))
    max_length = IntegerField(_l("Maximum length in characters"), validators=[
        Optional(), NumberRange(min=1, max=5000, message=_l("Enter a number from 1 to 5000."))])

    def __init__(self, *args, kind: QuestionKind, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind

    @property
    def kind_fields(self):
        return [self[name] for name in KIND_FIELDS[self.kind]]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for check in (self._check_lists, self._check_choices, self._check_numbers, self._check_length):
            valid = check() and valid
        return valid

    def _error(self, field, message) -> bool:
        field.errors = [*field.errors, message]
        return False

    def _check_lists(self) -> bool:
        valid = True
        wanted = {"options": 2, "rows": 1}
        for name in ("options", "rows"):
            if name not in KIND_FIELDS[self.kind]:
                continue
            labels = _lines(self[name].data)
            if len(labels) < wanted[name]:
                message = (_l("Write at least two options, one per line.") if name == "options"
                           else _l("Write at least one row."))
                valid = self._error(self[name], message)
            elif len(labels) > MAX_OPTIONS:
                valid = self._error(self[name], _l("At most 50 lines."))
            elif any(len(label) > 200 for label in labels):
                valid = self._error(self[name], _l("Each line can have at most 200 characters."))
            elif len({label.casefold() for label in labels}) != len(labels):
                valid = self._error(self[name], _l("Each line must be different."))
        return valid

    def _check_choices(self) -> bool:
        if self.kind != QuestionKind.MULTIPLE_CHOICE or self.options.errors:
            return True
        available = len(_lines(self.options.data)) + bool(self.has_other.data)
        low, high = self.min_choices.data, self.max_choices.data
        if high and high > available:
            return self._error(self.max_choices, _l("There are only %(count)d options.", count=available))
        if low and low > available:
            return self._error(self.min_choices, _l("There are only %(count)d options.", count=available))
        if low and high and low > high:
            return self._error(self.max_choices, _l("The maximum cannot be smaller than the minimum."))
        return True

    def _check_numbers(self) -> bool:
        if self.kind == QuestionKind.SCALE:
            if not self.scale_max.data:
                return self._error(self.scale_max, _l("Enter where the scale ends."))
            return True
        if self.kind != QuestionKind.NUMBER:
            return True
        valid, bounds = True, {}
        for field in (self.number_min, self.number_max):
            raw = (field.data or "").strip()
            if raw:
                bounds[field.name] = parse_number(raw)
                if bounds[field.name] is None:
                    valid = self._error(field, _l("Enter a number, like 12 or 3,5."))
        low, high = bounds.get("number_min"), bounds.get("number_max")
        if valid and low is not None and high is not None and low >= high:
            valid = self._error(self.number_max, _l("The largest number must be bigger than the smallest."))
        return valid

    def _check_length(self) -> bool:
        limit = MAX_LENGTH_LIMIT.get(self.kind)
        if limit and self.max_length.data and self.max_length.data > limit:
            return self._error(self.max_length, _l("At most %(max)d for this kind of question.", max=limit))
        return True

    def question_data(self) -> dict:
        """What services.add_question / update_question take, with only this kind's settings."""
        kind, settings = self.kind, {}
        if kind in MAX_LENGTH_LIMIT and self.max_length.data:
            settings["max_length"] = self.max_length.data
        if kind == QuestionKind.MULTIPLE_CHOICE:
            settings.update({k: v for k, v in (("min_choices", self.min_choices.data),
                                                ("max_choices", self.max_choices.data)) if v})
        if kind == QuestionKind.SCALE:
            settings.update(min=self.scale_min.data, max=self.scale_max.data,
                            min_label=(self.min_label.data or "").strip(),
                            max_label=(self.max_label.data or "").strip())
        if kind == QuestionKind.NUMBER:
            for key, field in (("min", self.number_min), ("max", self.number_max)):
                if (field.data or "").strip():
                    settings[key] = parse_number(field.data)
            if self.integer.data:
                settings["integer"] = True
        return {
            "prompt": " ".join(self.prompt.data.split()),
            "help_text": (self.help_text.data or "").strip(),
            "required": bool(self.required.data),
            "options": _lines(self.options.data) if "options" in KIND_FIELDS[kind] else [],
            "rows": _lines(self.rows.data) if "rows" in KIND_FIELDS[kind] else [],
            "has_other": bool(self.has_other.data) and "has_other" in KIND_FIELDS[kind],
            "settings": settings,
            **self.condition_data(),
        }

    def load(self, question) -> None:
        """Fill the form from a stored question (GET of the edit page)."""
        settings = question.settings or {}
        self.prompt.data, self.help_text.data, self.required.data = (question.prompt, question.help_text,
                                                                      question.required)
        self.section.data = question.section_id
        self.options.data = "\n".join(option.label for option in question.options)
        self.rows.data = "\n".join(row.label for row in question.rows)
        self.has_other.data = question.has_other
        self.min_choices.data = settings.get("min_choices")
        self.max_choices.data = settings.get("max_choices")
        self.scale_min.data, self.scale_max.data = settings.get("min", 1), settings.get("max", 5)
        self.min_label.data = settings.get("min_label", "")
        self.max_label.data = settings.get("max_label", "")
        is_number = question.kind == QuestionKind.NUMBER
        self.number_min.data = format_number(settings.get("min")) if is_number else ""
        self.number_max.data = format_number(settings.get("max")) if is_number else ""
        self.integer.data = bool(settings.get("integer"))
        self.max_length.data = settings.get("max_length")
        self.condition_option.data = question.condition_option_id or 0
        self.condition_negate.data = int(question.condition_negate)


class NewQuestionForm(FlaskForm):
    """The builder's "add a question" picker: a GET form, so no CSRF token."""

    class Meta:
        csrf = False

    kind = SelectField(_l("Kind of question"), choices=list(KIND_LABELS.items()))
    section = SelectField(_l("In section"), coerce=int)


class PaperResponseForm(FlaskForm):
    channel = RadioField(
        _l("Where was this response collected?"),
        choices=[(Channel.PAPER.value, CHANNEL_LABELS[Channel.PAPER]),
                 (Channel.MEETING.value, CHANNEL_LABELS[Channel.MEETING])],
        validators=[InputRequired(message=_l("Choose where the response was collected."))],
    )
