from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from civic.census.forms import CommentEligibilityFields, EligibilityFields
from civic.consultations.forms import topics_field
from civic.motions.models import MotionStatus, VoteOption

MAX_NAMED_PROPOSERS = 20
# Words accepted in a roll call line, in Italian and English.
VOTE_WORDS = {
    VoteOption.YES: {"sì", "si", "favorevole", "a favore", "yes", "for"},
    VoteOption.NO: {"no", "contrario", "contraria", "against"},
    VoteOption.ABSTAIN: {"astenuto", "astenuta", "astensione", "abstain", "abstained"},
    VoteOption.ABSENT: {"assente", "absent"},
}
_WORD_TO_OPTION = {word: option for option, words in VOTE_WORDS.items() for word in words}


def named_people(text: str | None) -> list[str]:
    """One name per line, trimmed, without empty lines or repeats."""
    names: list[str] = []
    for line in (text or "").splitlines():
        name = " ".join(line.split())
        if name and name not in names:
            names.append(name)
    return names


class RollCallError(ValueError):
    """A roll call line that cannot be read, or a name given twice."""

    def __init__(self, line: int, repeated: bool = False):
        super().__init__(line)
        self.line = line
        self.repeated = repeated


def parse_roll_call(text: str | None) -> list[tuple[str, VoteOption]]:
    """"Mario Rossi: sì" lines -> [("Mario Rossi", VoteOption.YES)]; RollCallError names the first bad
    line."""
    votes: list[tuple[str, VoteOption]] = []
    seen: set[str] = set()
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        name, _sep, word = line.rpartition(":")
        name = " ".join(name.split())
        option = _WORD_TO_OPTION.get(" ".join(word.split()).lower())
        if not name or option is None or len(name) > 120:
            raise RollCallError(number)
        if name.lower() in seen:
            raise RollCallError(number, repeated=True)
        seen.add(name.lower())
        votes.append((name, option))
    return votes


class MotionForm(EligibilityFields, CommentEligibilityFields, FlaskForm):
    # A select always sends one of its options: the choices themselves are the check.
    body_id = SelectField(_l("Council of"), coerce=int)
    # Checked by the service (it must be a consultation the councillor manages); absent means none.
    consultation_id = SelectField(_l("Consultation it belongs to"), coerce=int, default=0,
                                  validate_choice=False)
    title = StringField(
        _l("Title"),
        validators=[InputRequired(message=_l("Enter the title.")),
                    Length(max=200, message=_l("At most %(max)d characters.", max=200))],
    )
    identifier = StringField(
        _l("Number"),
        validators=[Optional(), Length(max=60, message=_l("At most %(max)d characters.", max=60))],
        description=_l("The council's number for the motion, e.g. 12/2013, if it has one."),
    )
    filed_on = DateField(_l("Filed on"), validators=[Optional()],
                         description=_l("Leave empty if not known; "
                                        "it becomes today when you file the motion."))
    text = TextAreaField(
        _l("Text of the motion"),
        validators=[InputRequired(message=_l("Enter the text of the motion.")),
                    Length(max=50000, message=_l("At most %(max)d characters.", max=50000))],
        description=_l("Markdown: **bold**, *italics*, lists with -, links as [text](https://…)."),
        render_kw={"rows": 12},
    )
    topics = topics_field()
    councillors = SelectMultipleField(_l("Proposing councillors with an account"), coerce=int, default=list)
    other_proposers = TextAreaField(
        _l("Other proposers"),
        description=_l("People without an account, one name per line, e.g. Walter Vassallo."),
        render_kw={"rows": 3},
    )

    def validate_other_proposers(self, field):
        names = named_people(field.data)
        if len(names) > MAX_NAMED_PROPOSERS:
            raise ValidationError(_l("At most %(count)d names.", count=MAX_NAMED_PROPOSERS))
        if any(len(name) > 120 for name in names):
            raise ValidationError(_l("A name can be at most 120 characters long."))
        if not names and not self.councillors.data:
            raise ValidationError(
                _l("Name at least one proposer: a councillor with an account or another person."))


def _count(label):
    return IntegerField(label, validators=[Optional(), NumberRange(min=0, max=10000, message=_l(
        "Enter a number between %(min)d and %(max)d.", min=0, max=10000))],
        render_kw={"min": 0, "max": 10000})


class VoteForm(FlaskForm):
    voted_on = DateField(_l("Date of the vote"),
                         validators=[InputRequired(message=_l("Enter the date of the vote."))])
    result = RadioField(
        _l("Outcome"),
        choices=[(MotionStatus.APPROVED.value, _l("Approved")),
                 (MotionStatus.REJECTED.value, _l("Rejected"))],
        validators=[InputRequired(message=_l("Choose the outcome."))],
    )
    votes_for = _count(_l("Votes for"))
    votes_against = _count(_l("Votes against"))
    votes_abstain = _count(_l("Abstentions"))
    votes_absent = _count(_l("Absent"))
    roll_call = TextAreaField(
        _l("Roll call (optional)"),
        description=_l("One councillor per line, as Name: yes, no, abstained or absent (in Italian: sì, no, "
                       "astenuto, assente). Leave the counts empty to count them from here."),
        render_kw={"rows": 6},
    )
    outcome_note = TextAreaField(
        _l("Outcome note"),
        validators=[Length(max=5000, message=_l("At most %(max)d characters.", max=5000))],
        description=_l("What the council decided and what follows; Markdown allowed."),
        render_kw={"rows": 4},
    )

    COUNT_FIELDS = {VoteOption.YES: "votes_for", VoteOption.NO: "votes_against",
                    VoteOption.ABSTAIN: "votes_abstain", VoteOption.ABSENT: "votes_absent"}

    def validate_roll_call(self, field):
        try:
            votes = parse_roll_call(field.data)
        except RollCallError as error:
            if error.repeated:
                raise ValidationError(_l("Line %(line)d: this name is already in the roll call.",
                                         line=error.line)) from None
            raise ValidationError(_l("Line %(line)d: write a name, a colon and yes, no, abstained or absent.",
                                     line=error.line)) from None
        for option, name in self.COUNT_FIELDS.items():
            given = getattr(self, name).data
            tally = sum(1 for _name, chosen in votes if chosen == option)
            if votes and given is not None and given != tally:
                raise ValidationError(_l("The roll call does not match the counts: check them or leave the "
                                         "counts empty."))

    def counts(self) -> dict[VoteOption, int | None]:
        """The counts typed in, or else counted from the roll call; None where neither says."""
        votes = parse_roll_call(self.roll_call.data)
        result = {}
        for option, name in self.COUNT_FIELDS.items():
            given = getattr(self, name).data
            result[option] = given if given is not None else (
                sum(1 for _name, chosen in votes if chosen == option) if votes else None)
        return result


class ScheduleForm(FlaskForm):
    scheduled_for = DateField(_l("Council session on"),
                              validators=[InputRequired(message=_l("Enter the date of the session."))])


class MilestoneForm(FlaskForm):
    title = StringField(
        _l("What"),
        validators=[InputRequired(message=_l("Enter what was done or is planned.")),
                    Length(max=200, message=_l("At most %(max)d characters.", max=200))],
    )
    due_on = DateField(_l("Date"), validators=[Optional()], description=_l("Leave empty if not known yet."))
    description = TextAreaField(
        _l("Details"),
        validators=[Length(max=5000, message=_l("At most %(max)d characters.", max=5000))],
        render_kw={"rows": 4},
    )
    done = BooleanField(_l("Done (leave unticked if planned)"))


class MotionFilterForm(FlaskForm):
    """Search and filters of the public list (GET, so no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search in titles and texts"), validators=[Optional(), Length(max=200)])
    # An unknown body, topic or year is not an error: it simply finds nothing.
    body = SelectField(_l("Body"), coerce=int, default=0, validate_choice=False)
    status = SelectField(_l("Status"), default="", validators=[Optional()])
    topic = SelectField(_l("Topic"), default="", validate_choice=False)
    year = SelectField(_l("Year"), coerce=int, default=0, validate_choice=False,
                       validators=[NumberRange(min=0, max=9999)])
