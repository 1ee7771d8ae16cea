from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import InputRequired, Length, Optional, StopValidation, ValidationError

from civic.census.forms import EligibilityFields
from civic.core.timezone import rome_to_utc, utc_to_rome
from civic.interest.models import (
    BUDGET_LABELS,
    CALL_ROLE_LABELS,
    HORIZON_LABELS,
    NEED_LABELS,
    PROFILE_LABELS,
    ROLE_LABELS,
    Role,
)
from civic.interest.services import DeclarationData

MAX_AREAS = 30
NO_AREA = 0


class Choice(RadioField):
    """Radio buttons with one clear message when nothing, or something not offered, is chosen."""

    def __init__(self, label, message, choices, **kwargs):
        super().__init__(label, validators=[InputRequired(message=message)], choices=choices,
                         invalid_choice_message=message, **kwargs)
        self.type = "RadioField"  # rendered as radio buttons by templates/_forms.html

    def pre_validate(self, form):
        if not self.raw_data:
            raise StopValidation(self.invalid_choice_message)
        super().pre_validate(form)


class CheckboxesField(SelectMultipleField):
    """Several choices as check boxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # templates/_forms.html renders its options the same way: a fieldset of inputs
        self.type = "RadioField"


class LocalDateTimeField(DateTimeLocalField):
    """A date and time typed in the site's time zone (Europe/Rome); `data` is aware, in UTC."""

    def __init__(self, label, **kwargs):
        # The browser's picker sends the first format; people typing may use the others.
        super().__init__(label, format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
                         invalid_value_message=_l("Enter a date and time, like 2015-02-14 09:00."), **kwargs)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None:
            self.data = rome_to_utc(self.data)

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        return utc_to_rome(self.data).strftime(self.format[0]) if self.data else ""


def _labelled(labels: dict) -> list[tuple[str, object]]:
    return [(member.value, label) for member, label in labels.items()]


class DeclarationForm(FlaskForm):
    role = Choice(_l("You would take part as"), _l("Choose how you would take part."), _labelled(ROLE_LABELS))
    profile = Choice(_l("You are"), _l("Choose the profile that fits you best."), _labelled(PROFILE_LABELS))
    sector = StringField(_l("Sector of activity (optional)"), validators=[Optional(), Length(max=120)],
                         description=_l("For example graphic design, accounting, software, crafts."),
                         render_kw={"maxlength": 120, "autocomplete": "organization-title"})
    days_per_week = SelectField(
        _l("Days a week you would work in the space"), coerce=int, default=0,
        choices=[(n, str(n)) for n in range(8)],
        invalid_choice_message=_l("Choose a number of days from 0 to 7."),
        invalid_value_message=_l("Choose a number of days from 0 to 7."),
    )
    needs = CheckboxesField(_l("What you would need (optional)"), choices=_labelled(NEED_LABELS),
                            default=list, invalid_choice_message=_l("Choose needs from the list."))
    area = SelectField(_l("Preferred area"), coerce=int, default=NO_AREA,
                       invalid_choice_message=_l("Choose an area from the list."),
                       invalid_value_message=_l("Choose an area from the list."))
    budget = Choice(_l("How much you could spend a month"), _l("Choose a budget band."),
                    _labelled(BUDGET_LABELS))
    horizon = Choice(_l("When you could start"), _l("Choose when you could start."),
                     _labelled(HORIZON_LABELS))
    manager_experience = TextAreaField(
        _l("Your experience in running spaces, communities or services"),
        validators=[Length(max=4000, message=_l("Write at most %(max)d characters.", max=4000))],
        description=_l("Only for possible managers. "
                       "For example a coworking, an association, events you ran."),
        render_kw={"rows": 4, "maxlength": 4000},
    )
    manager_offer = TextAreaField(
        _l("What you would offer as manager (optional)"),
        validators=[Length(max=4000, message=_l("Write at most %(max)d characters.", max=4000))],
        description=_l("Only for possible managers: services, opening hours, events, partners."),
        render_kw={"rows": 4, "maxlength": 4000},
    )
    notes = TextAreaField(_l("Notes (optional)"),
                          validators=[Length(max=2000,
                                             message=_l("Write at most %(max)d characters.", max=2000))],
                          render_kw={"rows": 3, "maxlength": 2000})
    contact_consent = BooleanField(
        _l("I agree to be contacted by e-mail by the body about this initiative (optional)"),
        description=_l("Without this consent your name and e-mail address are never shown to anyone."),
    )

    def setup(self, call) -> DeclarationForm:
        """Offer only the roles the call asks for and the areas it offers."""
        self.role.choices = [(role.value, ROLE_LABELS[role]) for role in call.roles()]
        if len(self.role.choices) == 1 and not self.role.data:
            self.role.data = self.role.choices[0][0]
        self.area.choices = [(NO_AREA, _l("No preference"))] + [(area.id, area.name) for area in call.areas]
        return self

    def fill(self, declaration) -> None:
        """Show an existing declaration for editing."""
        for name in ("role", "profile", "budget", "horizon"):
            getattr(self, name).data = getattr(declaration, name).value
        self.needs.data = [need.value for need in declaration.need_values]
        self.area.data = declaration.area_id or NO_AREA
        for name in ("sector", "days_per_week", "manager_experience", "manager_offer", "notes",
                     "contact_consent"):
            getattr(self, name).data = getattr(declaration, name)

    def validate_manager_experience(self, field):
        if self.role.data in (Role.MANAGER.value, Role.BOTH.value) and not (field.data or "").strip():
            raise ValidationError(_l("Tell us briefly about your experience: the body needs it to judge a "
                                     "possible manager."))

    def data_for_service(self) -> DeclarationData:
        return DeclarationData(
            role=self.role.data,
            profile=self.profile.data,
            sector=(self.sector.data or "").strip(),
            days_per_week=self.days_per_week.data,
            needs=list(self.needs.data or []),
            area_id=self.area.data or None,
            budget=self.budget.data,
            horizon=self.horizon.data,
            manager_experience=(self.manager_experience.data or "").strip(),
            manager_offer=(self.manager_offer.data or "").strip(),
            notes=(self.notes.data or "").strip(),
            contact_consent=bool(self.contact_consent.data),
        )


def parse_areas(text: str | None) -> list[str]:
    """One area a line, trimmed, blank lines skipped."""
    return [" ".join(line.split()) for line in (text or "").splitlines() if line.strip()]


class CallForm(EligibilityFields, FlaskForm):
    consultation = SelectField(_l("Consultation"), coerce=int,
                               invalid_choice_message=_l("Choose one of your consultations."),
                               invalid_value_message=_l("Choose one of your consultations."))
    title = StringField(
        _l("Title"),
        validators=[InputRequired(message=_l("Enter the title.")),
                    Length(max=200, message=_l("Write at most %(max)d characters.", max=200))],
        render_kw={"maxlength": 200},
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Length(max=20000, message=_l("Write at most %(max)d characters.", max=20000))],
        description=_l("What the initiative is and what the body will do with the declarations. Markdown: "
                       "**bold**, lists with -, links as [text](https://...)."),
        render_kw={"rows": 8},
    )
    asks_for = Choice(_l("The call asks for"), _l("Choose whom the call asks for."),
                      _labelled(CALL_ROLE_LABELS), default=Role.BOTH.value)
    areas = TextAreaField(
        _l("Areas on offer"),
        validators=[InputRequired(message=_l("Enter at least one area."))],
        description=_l("One a line, for example Centro storico. "
                       "Areas chosen in declarations cannot be removed."),
        render_kw={"rows": 5},
    )
    opens_at = LocalDateTimeField(_l("Opens at"),
                                  validators=[InputRequired(message=_l("Enter when the call opens."))])
    closes_at = LocalDateTimeField(_l("Closes at"),
                                   validators=[InputRequired(message=_l("Enter when the call closes."))])

    def validate_areas(self, field):
        names = parse_areas(field.data)
        if not names:
            raise ValidationError(_l("Enter at least one area."))
        if len(names) > MAX_AREAS:
            raise ValidationError(_l("Offer at most %(count)d areas.", count=MAX_AREAS))
        if any(len(name) > 120 for name in names):
            raise ValidationError(_l("An area name can be at most 120 characters long."))
        if len({name.casefold() for name in names}) != len(names):
            raise ValidationError(_l("Each area can be listed only once."))

    def validate_closes_at(self, field):
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("The call must close after it opens."))

    def fill(self, call) -> None:
        self.consultation.data = call.consultation_id
        self.title.data = call.title
        self.description.data = call.description
        self.asks_for.data = call.asks_for.value
        self.areas.data = "\n".join(area.name for area in call.areas)
        self.opens_at.data = call.opens_at
        self.closes_at.data = call.closes_at
        self.audience.data, self.audience_level.data = call.audience.value, call.audience_level
