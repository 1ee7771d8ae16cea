from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, SelectField, StringField, URLField
from wtforms.validators import URL, InputRequired, Length, Optional, Regexp, ValidationError


class BodyForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(message=_l("Enter the name.")), Length(max=200)])
    slug = StringField(
        _l("Short name for addresses"),
        validators=[
            InputRequired(message=_l("Enter a short name.")),
            Length(max=80),
            Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                   message=_l("Use lower-case letters, digits and single hyphens, e.g. comune-di-genova.")),
        ],
    )
    parent = SelectField(_l("Part of"), coerce=int, validators=[Optional()])
    website = URLField(_l("Website"), validators=[Optional(), URL(message=_l("Enter a full web address.")),
                                                   Length(max=300)])
    data_licence = SelectField(
        _l("Licence of published data"),
        choices=[("CC-BY-4.0", "CC BY 4.0"), ("CC0-1.0", "CC0 1.0"), ("IODL-2.0", "IODL 2.0")],
    )


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[("councillor", _l("Councillor")), ("admin", _l("Administrator"))])
    body = SelectField(_l("Body (for councillors)"), coerce=int, validators=[Optional()])


class UserSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search by name or e-mail"), validators=[Optional(), Length(max=100)])


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class SecurityEventFilterForm(FlaskForm):
    """The filters of the security events page, read from the address (GET)."""

    class Meta:
        csrf = False

    kind = SelectField(_l("Kind of event"), validators=[Optional()])
    person = EmailField(_l("Account (e-mail address)"), filters=[_strip],
                        validators=[Optional(), Length(max=254)])
    start = DateField(_l("From"), validators=[Optional()], render_kw={"autocomplete": "off"})
    end = DateField(_l("To (included)"), validators=[Optional()], render_kw={"autocomplete": "off"})

    def validate_end(self, field):
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError(_l("The end date cannot come before the start date."))
