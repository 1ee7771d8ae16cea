from __future__ import annotations

from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    FloatField,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from civic.census.eligibility import Audience
from civic.census.forms import EligibilityFields
from civic.core.timezone import rome_to_utc, utc_to_rome
from civic.meetings.models import COMPANIONS_LIMIT, DEFAULT_AUDIENCES, Meeting, QuestionKind

AGENDA_ROWS_FREE = 3
AGENDA_ROWS_MAX = 20
MAX_AUDIENCES = 12
QUESTION_ROWS_FREE = 2
QUESTION_ROWS_MAX = 10
MAX_CHOICES = 20
MAX_REMINDERS = 5
# Reminders and the check-in window: at most 60 days and one week before the start.
MAX_REMINDER_HOURS = 60 * 24
MAX_CHECK_IN_MINUTES = 7 * 24 * 60


def web_address(_form, field) -> None:
    """Only http and https links: no javascript:, data: or other schemes."""
    if not field.data:
        return
    parts = urlsplit(field.data.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(_l("Enter a full web address starting with https:// or http://."))


def _when(label, required: bool, description=None):
    validators = [InputRequired(message=_l("Enter the date and time."))] if required else [Optional()]
    return DateTimeLocalField(label, format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"], validators=validators,
                              description=description)


class AgendaItemForm(Form):
    """One row of the programme; a row with no title is ignored."""

    time = TimeField(_l("Time"), validators=[Optional()], format=["%H:%M", "%H:%M:%S"])
    title = StringField(_l("Item"), validators=[Optional(), Length(max=200)])
    speaker = StringField(_l("Speaker"), validators=[Optional(), Length(max=120)])
    affiliation = StringField(_l("Organisation or role"), validators=[Optional(), Length(max=200)])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        filled = self.time.data or (self.speaker.data or "").strip() or (self.affiliation.data or "").strip()
        if filled and not (self.title.data or "").strip():
            self.title.errors.append(_l("Give this agenda item a title, or clear the row."))
            valid = False
        return valid


def _lines(text: str | None) -> list[str]:
    """Non-empty lines, inner spaces collapsed, repeats (ignoring case) dropped, order kept."""
    seen: list[str] = []
    for line in (text or "").splitlines():
        line = " ".join(line.split())
        if line and line.casefold() not in {s.casefold() for s in seen}:
            seen.append(line)
    return seen


class QuestionRowForm(Form):
    """One question of the registration form; a row with no question text is ignored."""

    label = StringField(_l("Question"), validators=[Optional(), Length(max=300)])
    kind = SelectField(_l("Answer"), choices=[(QuestionKind.TEXT.value, _l("Free text")),
                                              (QuestionKind.CHOICE.value, _l("One of a list")),
                                              (QuestionKind.YES_NO.value, _l("Yes or no"))],
                       default=QuestionKind.TEXT.value)
    choices = TextAreaField(_l("Possible answers"), validators=[Optional(), Length(max=2000)],
                            description=_l("For “One of a list”: one per line."), render_kw={"rows": 3})
    required = BooleanField(_l("An answer is required"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not (self.label.data or "").strip():
            return valid
        options = _lines(self.choices.data)
        if self.kind.data == QuestionKind.CHOICE.value and len(options) < 2:
            self.choices.errors.append(_l("Give at least two possible answers, one per line."))
            valid = False
        if len(options) > MAX_CHOICES or any(len(option) > 200 for option in options):
            self.choices.errors.append(_l("At most %(count)d answers of up to 200 characters each.",
                                          count=MAX_CHOICES))
            valid = False
        return valid

    def value(self) -> dict:
        kind = QuestionKind(self.kind.data)
        return {"label": " ".join(self.label.data.split()), "kind": kind,
                "required": bool(self.required.data),
                "choices": _lines(self.choices.data) if kind == QuestionKind.CHOICE else []}


def _fill_rows(rows: FieldList, items: list[dict], most: int, free: int) -> None:
    """Show these rows of a repeated part of a form, then up to `free` empty ones (`most` rows in all)."""
    while len(rows.entries):
        rows.pop_entry()
    for item in items[:most]:
        rows.append_entry(item)
    for _ in range(min(free, most - len(rows.entries))):
        rows.append_entry()


def _choice_id(value) -> int:
    """A select's id value; the empty placeholder becomes 0, which matches nothing."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


class MeetingForm(EligibilityFields, FlaskForm):
    consultation = SelectField(_l("Consultation"), coerce=_choice_id,
                               validators=[InputRequired(message=_l("Choose the consultation."))])
    title = StringField(_l("Title"),
                        validators=[InputRequired(message=_l("Enter a title.")), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)],
                                description=_l("Markdown: **bold**, *italics*, lists, links."),
                                render_kw={"rows": 6})
    starts_at = _when(_l("Starts at"), True, _l("Date and time in Italy."))
    ends_at = _when(_l("Ends at"), True)
    venue_name = StringField(_l("Venue"), validators=[Optional(), Length(max=200)],
                             description=_l("For example: Biblioteca Civica. "
                                            "Leave empty for an online-only meeting."))
    venue_address = StringField(_l("Address"), validators=[Optional(), Length(max=300)],
                                render_kw={"autocomplete": "off"})
    latitude = FloatField(_l("Latitude (optional)"), validators=[
        Optional(), NumberRange(min=-90, max=90, message=_l("A latitude is between -90 and 90."))])
    longitude = FloatField(_l("Longitude (optional)"), validators=[
        Optional(), NumberRange(min=-180, max=180, message=_l("A longitude is between -180 and 180."))])
    online_url = URLField(_l("Online link"), validators=[Optional(), Length(max=500), web_address],
                          description=_l("For a meeting that can be followed online."))
    capacity = IntegerField(_l("Seats"), validators=[
        Optional(), NumberRange(min=1, max=100000, message=_l("Enter a number of seats from 1 to 100000."))],
        description=_l("Leave empty for no limit. When the seats are taken, people join a waiting list."))
    registration_opens_at = _when(_l("Registration opens"), False, _l("Leave empty to open it now."))
    registration_closes_at = _when(_l("Registration closes"), False,
                                   _l("Leave empty to keep it open until the meeting starts."))
    audiences = TextAreaField(
        _l("Audience categories"),
        validators=[InputRequired(message=_l("List at least one category."))],
        description=_l("One per line. People choose one when they register."),
        render_kw={"rows": 5},
    )
    quotas = TextAreaField(
        _l("Seats per category (optional)"), validators=[Optional(), Length(max=2000)],
        description=_l("One per line, as “category: seats”, e.g. “cittadini: 40”. Companions count in the "
                       "category of the person who brings them. When a category's seats are taken, its "
                       "people join the waiting list."),
        render_kw={"rows": 3},
    )
    companions_max = IntegerField(
        _l("Companions per person"), default=0, validators=[
            Optional(), NumberRange(min=0, max=COMPANIONS_LIMIT,
                                    message=_l("Enter a number from 0 to %(max)d.", max=COMPANIONS_LIMIT))],
        description=_l("How many people each registrant may bring; each takes a seat. 0: nobody."))
    requires_approval = BooleanField(
        _l("Registrations need our approval"),
        description=_l("Each registration waits for an organiser to approve or refuse it; until then it "
                       "holds no seat. The person is told by e-mail either way."))
    reminder_hours = StringField(
        _l("Reminders (hours before the start)"), validators=[Optional(), Length(max=100)],
        description=_l("Separated by commas, e.g. “168, 24” for a week and a day before. Leave empty for "
                       "no reminder."))
    check_in_opens_minutes = IntegerField(
        _l("Check-in opens (minutes before the start)"), default=60, validators=[
            Optional(), NumberRange(min=0, max=MAX_CHECK_IN_MINUTES,
                        message=_l("Enter a number from 0 to %(max)d.", max=MAX_CHECK_IN_MINUTES))])
    questions = FieldList(FormField(QuestionRowForm), label=_l("Questions"), min_entries=QUESTION_ROWS_FREE,
                          max_entries=QUESTION_ROWS_MAX)
    agenda = FieldList(FormField(AgendaItemForm), label=_l("Agenda"), min_entries=AGENDA_ROWS_FREE,
                       max_entries=AGENDA_ROWS_MAX)

    def validate_ends_at(self, field) -> None:
        if field.data and self.starts_at.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("The meeting must end after it starts."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Here rather than in validate_venue_name: Optional() stops the chain on an empty field.
        if not (self.venue_name.data or "").strip() and not (self.online_url.data or "").strip():
            self.venue_name.errors.append(_l("Give a venue, an online link, or both."))
            valid = False
        return valid

    def validate_registration_closes_at(self, field) -> None:
        opens = self.registration_opens_at.data
        if field.data and opens and field.data <= opens:
            raise ValidationError(_l("Registration must close after it opens."))
        if field.data and self.ends_at.data and field.data > self.ends_at.data:
            raise ValidationError(_l("Registration cannot close after the meeting ends."))

    def validate_audiences(self, field) -> None:
        lines = self.audience_list()
        if not lines:
            raise ValidationError(_l("List at least one category."))
        if len(lines) > MAX_AUDIENCES:
            raise ValidationError(_l("List at most %(count)d categories.", count=MAX_AUDIENCES))
        if any(len(line) > 80 for line in lines):
            raise ValidationError(_l("Each category can be at most 80 characters long."))

    def audience_list(self) -> list[str]:
        """The categories, one per line, blanks and repeats dropped, order kept."""
        return _lines(self.audiences.data)

    def validate_quotas(self, field) -> None:
        self._quotas = {}
        audiences = {a.casefold(): a for a in self.audience_list()}
        for line in _lines(field.data):
            category, colon, seats = line.rpartition(":")
            category = " ".join(category.split())
            if not colon or not seats.strip().isdigit() or int(seats) < 1 or int(seats) > 100000:
                raise ValidationError(
                    _l("Write each line as “category: seats”, with seats from 1 to 100000."))
            if category.casefold() not in audiences:
                raise ValidationError(_l("“%(category)s” is not one of the audience categories.",
                                         category=category))
            self._quotas[audiences[category.casefold()]] = int(seats)

    def validate_reminder_hours(self, field) -> None:
        self._reminders = []
        for part in (field.data or "").replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit() or not 1 <= int(part) <= MAX_REMINDER_HOURS:
                raise ValidationError(_l("Give whole numbers of hours from 1 to %(max)d, separated by "
                                         "commas.", max=MAX_REMINDER_HOURS))
            if int(part) not in self._reminders:
                self._reminders.append(int(part))
        if len(self._reminders) > MAX_REMINDERS:
            raise ValidationError(_l("At most %(count)d reminders.", count=MAX_REMINDERS))

    def question_list(self) -> list[dict]:
        return [row.form.value() for row in self.questions if (row.form.label.data or "").strip()]

    def quota_map(self) -> dict[str, int]:
        """category -> seats (after validation)."""
        return dict(getattr(self, "_quotas", {}))

    def reminder_list(self) -> list[int]:
        return sorted(getattr(self, "_reminders", []), reverse=True)

    def fields(self) -> dict:
        """The values for civic.meetings.services (times as aware datetimes)."""
        return {
            "title": self.title.data.strip(),
            "description": (self.description.data or "").strip(),
            "starts_at": rome_to_utc(self.starts_at.data),
            "ends_at": rome_to_utc(self.ends_at.data),
            "venue_name": (self.venue_name.data or "").strip(),
            "venue_address": (self.venue_address.data or "").strip(),
            "latitude": self.latitude.data,
            "longitude": self.longitude.data,
            "online_url": (self.online_url.data or "").strip() or None,
            "capacity": self.capacity.data,
            "registration_opens_at": rome_to_utc(self.registration_opens_at.data),
            "registration_closes_at": rome_to_utc(self.registration_closes_at.data),
            "audiences": self.audience_list(),
            **self.eligibility(),
            "requires_approval": bool(self.requires_approval.data),
            "companions_max": self.companions_max.data or 0,
            "check_in_opens_minutes": (60 if self.check_in_opens_minutes.data is None
                                       else self.check_in_opens_minutes.data),
        }

    def agenda_items(self) -> list[dict]:
        items = []
        for row in self.agenda:
            title = (row.title.data or "").strip()
            if title:
                items.append({"time": row.time.data, "title": title,
                              "speaker": (row.speaker.data or "").strip(),
                              "affiliation": (row.affiliation.data or "").strip()})
        return items

    def fill_from(self, meeting: Meeting) -> None:
        """Show a meeting's current values (GET of the edit page)."""
        self.consultation.data = meeting.consultation_id
        for name in ("title", "description", "venue_name", "venue_address", "latitude", "longitude",
                     "online_url", "capacity"):
            getattr(self, name).data = getattr(meeting, name)
        for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
            getattr(self, name).data = utc_to_rome(getattr(meeting, name))
        self.audiences.data = "\n".join(meeting.audiences or [])
        self.audience.data, self.audience_level.data = meeting.audience.value, meeting.audience_level
        for name in ("requires_approval", "companions_max", "check_in_opens_minutes"):
            getattr(self, name).data = getattr(meeting, name)
        self.quotas.data = "\n".join(f"{quota.category}: {quota.seats}" for quota in meeting.quotas)
        self.reminder_hours.data = ", ".join(str(r.hours_before) for r in meeting.reminders)
        self.fill_questions([{"label": q.label, "kind": q.kind.value, "required": q.required,
                              "choices": "\n".join(q.choices or [])} for q in meeting.questions])
        self.fill_agenda([{"time": i.time, "title": i.title, "speaker": i.speaker,
                           "affiliation": i.affiliation}
                          for i in meeting.agenda_items])

    def fill_agenda(self, items: list[dict]) -> None:
        _fill_rows(self.agenda, items, AGENDA_ROWS_MAX, AGENDA_ROWS_FREE)

    def fill_questions(self, items: list[dict]) -> None:
        _fill_rows(self.questions, items, QUESTION_ROWS_MAX, QUESTION_ROWS_FREE)

    def fill_defaults(self, reminder_hours: int) -> None:
        self.audiences.data = "\n".join(DEFAULT_AUDIENCES)
        self.audience.data = Audience.CONFIRMED.value  # registrations have asked for a confirmed address
        self.reminder_hours.data = str(reminder_hours) if reminder_hours else ""


class RegistrationForm(FlaskForm):
    category = SelectField(_l("You take part as"),
                           validators=[InputRequired(message=_l("Choose a category."))])
    accessibility_needs = TextAreaField(
        _l("Accessibility needs (optional)"), validators=[Optional(), Length(max=500)],
        description=_l("For example: wheelchair access, sign language interpreting, hearing loop."),
        render_kw={"rows": 3},
    )
    note = TextAreaField(_l("Note for the organisers (optional)"), validators=[Optional(), Length(max=500)],
                         render_kw={"rows": 3})

    def set_categories(self, meeting: Meeting) -> None:
        self.category.choices = [("", _l("— choose —"))] + [(c, c) for c in meeting.audiences or []]

    def answer_values(self) -> dict[int, str]:
        """Question id -> what was typed or chosen."""
        return {int(name[1:]): field.data or "" for name, field in self._fields.items()
                if name.startswith("q") and name[1:].isdigit()}

    def companion_count(self) -> int:
        field = self._fields.get("companions")
        return (field.data or 0) if field is not None else 0


YES_NO = [("yes", _l("Yes")), ("no", _l("No"))]


def registration_form(meeting: Meeting) -> RegistrationForm:
    """The RSVP form of this meeting: the category, the organisers' questions (fields "q<id>") and, when the
    meeting takes companions, how many."""

    class MeetingRegistrationForm(RegistrationForm):
        pass

    for question in meeting.questions:
        validators = ([InputRequired(message=_l("Answer this question."))] if question.required
                      else [Optional()])
        if question.kind == QuestionKind.TEXT:
            field = TextAreaField(question.label, validators=[*validators, Length(max=1000)],
                                  render_kw={"rows": 2})
        else:
            options = YES_NO if question.kind == QuestionKind.YES_NO else [(c, c) for c in question.choices]
            # The service checks the choice (collect_answers), with a message in the person's words.
            field = RadioField(question.label, choices=options, validators=validators, validate_choice=False)
        setattr(MeetingRegistrationForm, f"q{question.id}", field)
    if meeting.companions_max:
        MeetingRegistrationForm.companions = IntegerField(
            _l("People coming with you"), default=0, validators=[
                Optional(), NumberRange(min=0, max=meeting.companions_max,
                                        message=_l("Enter a number from 0 to %(max)d.",
                                                   max=meeting.companions_max))],
            description=_l("Up to %(max)d. Each takes a seat; your ticket admits all of you.",
                           max=meeting.companions_max))
    form = MeetingRegistrationForm()
    form.set_categories(meeting)
    return form


class CheckInForm(FlaskForm):
    code = StringField(
        _l("Ticket code"),
        validators=[InputRequired(message=_l("Type or scan the code on the ticket.")), Length(max=500)],
        description=_l("Type the code (spaces do not matter) or scan the QR code into this field."),
        render_kw={"autocomplete": "off", "autocapitalize": "off", "spellcheck": "false", "autofocus": True},
    )


class OutcomeForm(FlaskForm):
    minutes = TextAreaField(_l("Minutes"), validators=[Optional(), Length(max=50000)],
                            description=_l("Markdown. "
                                           "What was said and decided, published on the meeting page."),
                            render_kw={"rows": 10})
    attendance_count = IntegerField(_l("People who attended"), validators=[
        Optional(), NumberRange(min=0, max=100000, message=_l("Enter a number from 0 to 100000."))])


class CancelMeetingForm(FlaskForm):
    reason = TextAreaField(_l("Message to the people registered (optional)"),
                           validators=[Optional(), Length(max=1000)], render_kw={"rows": 3})


class MeetingFilterForm(FlaskForm):
    class Meta:
        csrf = False

    when = SelectField(_l("When"), choices=[("upcoming", _l("Upcoming")), ("past", _l("Past"))],
                       default="upcoming", validators=[Optional()])
    body = SelectField(_l("Body"), validators=[Optional()])
    consultation = SelectField(_l("Consultation"), validators=[Optional()])
