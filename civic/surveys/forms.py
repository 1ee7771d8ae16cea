"""Builder forms (survey settings, sections, questions) and the channel choice for paper responses. A
question's form is the common fields plus its kind's own (civic.surveys.kinds). The answering form is dynamic
and read by civic.surveys.validation."""
from __future__ import annotations

import functools

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import DateTimeLocalField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from civic.census.eligibility import LABELS
from civic.census.forms import EligibilityFields
from civic.core.i18n import LANGUAGE_NAMES
from civic.core.timezone import rome_to_utc
from civic.surveys.kinds import KINDS, Kind
from civic.surveys.models import Audience, Channel, ResultsVisibility

AUDIENCE_LABELS = LABELS
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


class SurveyForm(EligibilityFields, FlaskForm):
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
    anonymous = BooleanField(
        _l("Anonymous answers"), default=True,
        description=_l("Nobody, councillors included, can see who gave which answers. A survey open to "
                       "people without an account is always anonymous."),
    )
    paged = BooleanField(
        _l("One section per page"), default=False,
        description=_l("Respondents see one section at a time with their progress (“Section 2 of 4”) and "
                       "can still choose to see every section on one page."),
    )
    invited_only = BooleanField(
        _l("Only invited people may answer"), default=False,
        description=_l("You invite people by e-mail from the survey's Invitations page: each gets a personal "
                       "link that allows one answer."),
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
            **self.eligibility(),
            "anonymous": bool(self.anonymous.data),
            "results_visibility": ResultsVisibility(self.results_visibility.data),
            "thank_you": (self.thank_you.data or "").strip(),
            "paged": bool(self.paged.data),
            "invited_only": bool(self.invited_only.data),
        }


MORE_CONDITIONS = 2  # empty "and also" condition rows a section or question form offers
MAX_CONDITIONS = 20


class MoreCondition(Form):
    """A further condition: an answer to an earlier choice question, chosen or not chosen."""

    option = SelectField(_l("And also / or else: the answer"), coerce=int, validators=[Optional()],
                         validate_choice=False, default=0)
    negate = SelectField(
        _l("Condition"), coerce=int,
        choices=[(0, _l("the person chose that answer")), (1, _l("the person did not choose that answer"))],
        validators=[Optional()], default=0,
    )


class ConditionFields:
    """The "show only if" pair shared by sections and questions; choices are set by the view."""

    condition_option = SelectField(
        _l("Show only if"), coerce=int, validators=[Optional()], validate_choice=False, default=0,
        description=_l("Choose an answer to an earlier choice question, or leave “always”."),
    )
    condition_negate = SelectField(
        _l("Condition"), coerce=int,
        choices=[(0, _l("the person chose that answer")), (1, _l("the person did not choose that answer"))],
        validators=[Optional()], default=0,
    )

    condition_any = SelectField(
        _l("Join the conditions with"), coerce=int,
        choices=[(0, _l("AND: every condition must hold")), (1, _l("OR: one condition is enough"))],
        validators=[Optional()], default=0,
    )
    more_conditions = FieldList(FormField(MoreCondition), min_entries=MORE_CONDITIONS,
                                max_entries=MAX_CONDITIONS)

    def set_condition_choices(self, choices: list[tuple[int, str]]) -> None:
        self.condition_option.choices = choices
        for entry in self.more_conditions:
            entry.form.option.choices = choices

    def load_conditions(self, thing) -> None:
        """Fill the condition fields from a stored section or question (GET of its edit page)."""
        self.condition_option.data = thing.condition_option_id or 0
        self.condition_negate.data = int(thing.condition_negate)
        self.condition_any.data = int(thing.condition_any)
        extra = list(thing.extra_conditions)
        while len(self.more_conditions) < min(len(extra) + 1, MAX_CONDITIONS):
            self.more_conditions.append_entry()
        for entry, condition in zip(self.more_conditions, extra, strict=False):
            entry.form.option.data, entry.form.negate.data = condition.option_id, int(condition.negate)

    def chosen_conditions(self) -> list[int]:
        """Every option chosen in a condition field (to check they are all offered)."""
        chosen = [self.condition_option.data or 0]
        chosen += [entry.form.option.data or 0 for entry in self.more_conditions]
        return [option for option in chosen if option]

    def condition_data(self) -> dict:
        return {"condition_option_id": self.condition_option.data or None,
                "condition_negate": bool(self.condition_negate.data),
                "more_conditions": [(entry.form.option.data, bool(entry.form.negate.data))
                                    for entry in self.more_conditions if entry.form.option.data],
                "condition_any": bool(self.condition_any.data)}


class SectionForm(ConditionFields, FlaskForm):
    title = StringField(_l("Section title"),
                        validators=[Length(max=200, message=_l("At most 200 characters."))])
    description = TextAreaField(_l("Description"),
                                validators=[Length(max=5000, message=_l("At most 5000 characters."))],
                                render_kw={"rows": 3})


class QuestionForm(ConditionFields, FlaskForm):
    """The fields every question has; `question_form` adds those of its kind (civic.surveys.kinds)."""

    prompt = StringField(_l("Question"), validators=[InputRequired(message=_l("Write the question.")),
                                                      Length(max=500, message=_l("At most 500 characters."))])
    help_text = TextAreaField(_l("Help text"),
                              validators=[Length(max=1000, message=_l("At most 1000 characters."))],
                              description=_l("Optional: an explanation shown under the question."),
                              render_kw={"rows": 2})
    required = BooleanField(_l("An answer is required"))
    section = SelectField(_l("Section"), coerce=int)

    kind: Kind  # set on the class of each kind (see question_form)

    @property
    def kind_fields(self):
        """The kind's own fields, in the order the form shows them."""
        return [self[name] for name in self.kind.shown_fields()]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return self.kind.check(self) and valid

    def question_data(self) -> dict:
        """What services.add_question / update_question take, with only this kind's settings."""
        return {
            "prompt": " ".join(self.prompt.data.split()),
            "help_text": (self.help_text.data or "").strip(),
            "required": bool(self.required.data),
            **self.kind.settings_data(self),
            **self.condition_data(),
        }

    def load(self, question) -> None:
        """Fill the form from a stored question (GET of the edit page)."""
        self.prompt.data, self.help_text.data, self.required.data = (question.prompt, question.help_text,
                                                                      question.required)
        self.section.data = question.section_id
        self.kind.load(self, question)
        self.load_conditions(question)


@functools.cache
def _question_form_class(kind: Kind) -> type[QuestionForm]:
    # Made after QuestionForm, so the kind's fields come after the common ones (and so do their errors).
    return type(f"{type(kind).__name__}QuestionForm", (QuestionForm,), {"kind": kind, **kind.form_fields()})


def question_form(kind: Kind, **kwargs) -> QuestionForm:
    """The question form of this kind: the common fields and the kind's own."""
    return _question_form_class(kind)(**kwargs)


class NewQuestionForm(FlaskForm):
    """The builder's "add a question" picker: a GET form, so no CSRF token."""

    class Meta:
        csrf = False

    kind = SelectField(_l("Kind of question"), choices=[(kind.name, kind.label) for kind in KINDS])
    section = SelectField(_l("In section"), coerce=int)


class PaperResponseForm(FlaskForm):
    channel = RadioField(
        _l("Where was this response collected?"),
        choices=[(Channel.PAPER.value, CHANNEL_LABELS[Channel.PAPER]),
                 (Channel.MEETING.value, CHANNEL_LABELS[Channel.MEETING])],
        validators=[InputRequired(message=_l("Choose where the response was collected."))],
    )


class InvitationForm(FlaskForm):
    addresses = TextAreaField(
        _l("E-mail addresses"),
        validators=[DataRequired(message=_l("Paste at least one e-mail address, one a line."))],
        description=_l("One address a line. Addresses already invited, or repeated, are skipped."),
        render_kw={"rows": 8, "spellcheck": "false", "autocomplete": "off"},
    )
    language = RadioField(
        _l("Language of the e-mails"),
        description=_l("The invitation and its reminders are written in it. People who have an account on "
                       "Civic get them in the language they chose there."),
    )

    def __init__(self, *args, **kwargs):
        # Not chosen (an older page, a script): the site's language.
        kwargs.setdefault("language", current_app.config["BABEL_DEFAULT_LOCALE"])
        super().__init__(*args, **kwargs)
        self.language.choices = [(code, LANGUAGE_NAMES.get(code, code))
                                 for code in current_app.config["CIVIC_LANGUAGES"]]
