from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError

from civic.consultations.models import STATUS_LABELS, ConsultationStatus

MAX_TOPICS = 10
TOPIC = re.compile(r"^[\w][\w' -]{0,39}$")


def parse_topics(text: str | None) -> list[str]:
    """"Lavoro, coworking, lavoro" -> ["lavoro", "coworking"]: lower-case, trimmed, without repeats."""
    topics: list[str] = []
    for part in (text or "").split(","):
        topic = " ".join(part.split()).lower()
        if topic and topic not in topics:
            topics.append(topic)
    return topics


class TopicsField(StringField):
    """Topic tags typed as a comma-separated list; `data` is the list of tags."""

    def _value(self) -> str:
        return ", ".join(self.data or [])

    def process_formdata(self, valuelist):
        self.data = parse_topics(valuelist[0] if valuelist else "")

    def pre_validate(self, form):
        if len(self.data or []) > MAX_TOPICS:
            raise ValidationError(_l("Use at most %(count)d topics.", count=MAX_TOPICS))
        for topic in self.data or []:
            if not TOPIC.match(topic):
                raise ValidationError(
                    _l("“%(topic)s” is not a valid topic: use words of at most 40 letters or digits.",
                       topic=topic)
                )


def topics_field() -> TopicsField:
    return TopicsField(
        _l("Topics"),
        default=list,
        description=_l("Words separated by commas, e.g. coworking, work, young people."),
        render_kw={"maxlength": 400},
    )


def check_date_order(start_field, end_field, message) -> None:
    """Adds `message` to the end field when both dates are given and the end comes first."""
    if start_field.data and end_field.data and end_field.data < start_field.data:
        end_field.errors.append(message)


# Who may comment on a consultation: the values of civic.census.eligibility.Audience that suit comments (they
# need an author with a confirmed address), with the same labels; the comments feature applies the rule.
COMMENT_AUDIENCES = [
    ("confirmed", _l("People with an account and a confirmed e-mail address")),
    ("identity", _l("People signed in with SPID or CIE")),
    ("resident", _l("Verified residents of the body")),
]
COMMENT_LEVELS = [(1, _l("SPID level 1 or CIE")), (2, _l("SPID level 2 or CIE")),
                  (3, _l("SPID level 3 or CIE"))]


class ConsultationForm(FlaskForm):
    # A select always sends one of its options: the choices themselves are the check.
    body_id = SelectField(_l("Body"), coerce=int)
    title = StringField(
        _l("Title"),
        validators=[InputRequired(message=_l("Enter the title.")),
                    Length(max=200, message=_l("At most %(max)d characters.", max=200))],
    )
    slug = StringField(
        _l("Short name for the address"),
        validators=[
            Optional(),
            Length(max=120, message=_l("At most %(max)d characters.", max=120)),
            Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                   message=_l("Use lower-case letters, digits and single hyphens, e.g. coworking-levante.")),
        ],
        description=_l("Leave it empty to make one from the title."),
    )
    summary = TextAreaField(
        _l("Summary"),
        validators=[Length(max=500, message=_l("At most %(max)d characters.", max=500))],
        description=_l("One or two sentences shown in lists."),
        render_kw={"rows": 2, "maxlength": 500},
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Length(max=20000, message=_l("At most %(max)d characters.", max=20000))],
        description=_l("Markdown: **bold**, *italics*, lists with -, links as [text](https://…)."),
        render_kw={"rows": 10},
    )
    topics = topics_field()
    comment_audience = SelectField(_l("Who can comment"), choices=COMMENT_AUDIENCES, default="confirmed")
    comment_audience_level = SelectField(_l("Least SPID level to comment"), choices=COMMENT_LEVELS,
                                         coerce=int, default=2,
                                         description=_l("Only for people signed in with SPID or CIE."))
    opens_on = DateField(_l("Opens on"), validators=[Optional()])
    closes_on = DateField(_l("Closes on"), validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        check_date_order(self.opens_on, self.closes_on,
                         _l("The closing date must not come before the opening."))
        return valid and not self.closes_on.errors


class PhaseForm(FlaskForm):
    name = StringField(
        _l("Name of the phase"),
        validators=[InputRequired(message=_l("Enter the name of the phase.")),
                    Length(max=120, message=_l("At most %(max)d characters.", max=120))],
    )
    starts_on = DateField(_l("Starts on"), validators=[InputRequired(message=_l("Enter the start date."))])
    ends_on = DateField(_l("Ends on"), validators=[Optional()], description=_l("Leave empty if open-ended."))
    description = TextAreaField(
        _l("Description"),
        validators=[Length(max=2000, message=_l("At most %(max)d characters.", max=2000))],
        render_kw={"rows": 3},
    )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        check_date_order(self.starts_on, self.ends_on, _l("The end date must not come before the start."))
        return valid and not self.ends_on.errors


class ConsultationFilterForm(FlaskForm):
    """The filters of the public list (GET, so no CSRF)."""

    class Meta:
        csrf = False

    # An unknown body or topic is not an error: it simply finds nothing.
    body = SelectField(_l("Body"), coerce=int, default=0, validate_choice=False)
    status = SelectField(
        _l("Status"),
        choices=[("", _l("Any"))] + [(status.value, label) for status, label in STATUS_LABELS.items()
                                      if status != ConsultationStatus.DRAFT],
        default="",
        validators=[Optional()],
    )
    topic = SelectField(_l("Topic"), default="", validate_choice=False)
