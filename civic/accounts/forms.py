from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, Regexp, ValidationError

from civic.accounts import passwords
from civic.accounts.passwords import MAX_LENGTH, MIN_LENGTH


def _new_password(label):
    return PasswordField(
        label,
        validators=[
            InputRequired(message=_l("Choose a password.")),
            Length(
                min=MIN_LENGTH,
                max=MAX_LENGTH,
                message=_l("The password must be between %(min)d and %(max)d characters long.",
                           min=MIN_LENGTH, max=MAX_LENGTH),
            ),
        ],
        render_kw={"autocomplete": "new-password", "minlength": MIN_LENGTH, "maxlength": MAX_LENGTH},
        description=_l("Between %(min)d and %(max)d characters. A short sentence is easy to remember.",
                       min=MIN_LENGTH, max=MAX_LENGTH),
    )


def _check_policy(field, email, name) -> None:
    """The policy of civic.accounts.passwords, once the length is right (that has its own message)."""
    if field.errors or not field.data:
        return
    problem = passwords.refusal(field.data, email=email, name=name)
    if problem:
        raise ValidationError(problem)


def _current_password():
    return PasswordField(
        _l("Current password"),
        validators=[InputRequired(message=_l("Enter your current password.")), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )


def strip(value):
    """Phones often add a space after an e-mail address picked from the keyboard's suggestions."""
    return value.strip() if isinstance(value, str) else value


def _email(label=None):
    return EmailField(
        label or _l("E-mail address"),
        filters=[strip],
        validators=[
            InputRequired(message=_l("Enter your e-mail address.")),
            Length(max=254, message=_l("The e-mail address is too long.")),
            Email(message=_l("Enter a valid e-mail address, like name@example.it."),
                  check_deliverability=False),
        ],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )


class RegisterForm(FlaskForm):
    email = _email()
    display_name = StringField(
        _l("Name shown to others"),
        filters=[strip],
        validators=[InputRequired(message=_l("Enter the name to show.")),
                    Length(min=2, max=80, message=_l("The name must be between 2 and 80 characters long.")),
                    Regexp(r"^[^\x00-\x1f\x7f]*$",
                           message=_l("The name cannot contain control characters."))],
        render_kw={"autocomplete": "name"},
    )
    password = _new_password(_l("Password"))
    password_confirm = PasswordField(
        _l("Repeat the password"),
        validators=[InputRequired(message=_l("Repeat the password.")),
                    EqualTo("password", message=_l("The two passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )
    privacy = BooleanField(
        _l("I have read the privacy notice and agree to the processing of my data to take part."),
        validators=[DataRequired(message=_l("You must accept the privacy notice to register."))],
    )

    def validate_password(self, field):
        _check_policy(field, self.email.data, self.display_name.data)


class LoginForm(FlaskForm):
    email = _email()
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(message=_l("Enter your password.")), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me logged in on this device"))
    next = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.remember.description = _(
            "Only on a device nobody else uses. You stay logged in for up to %(days)d days, even after "
            "closing the browser. Not for councillors and administrators, who are logged out after %(hours)d "
            "hours.",
            days=current_app.config["CIVIC_SESSION_REMEMBER_DAYS"],
            hours=current_app.config["CIVIC_SESSION_STAFF_HOURS"])


class ResetRequestForm(FlaskForm):
    email = _email()


class ResetForm(FlaskForm):
    """A new password for `person` (the account it is for, given by the view)."""

    password = _new_password(_l("New password"))
    password_confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[InputRequired(message=_l("Repeat the password.")),
                    EqualTo("password", message=_l("The two passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )

    def __init__(self, *args, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person

    def validate_password(self, field):
        person = self.person
        _check_policy(field, getattr(person, "email", None), getattr(person, "display_name", None))


class ChangePasswordForm(ResetForm):
    current_password = _current_password()


class ChangeEmailForm(FlaskForm):
    email = _email(_l("New e-mail address"))
    current_password = _current_password()


class DeleteAccountForm(FlaskForm):
    current_password = _current_password()
    confirm = BooleanField(
        _l("I understand that my account is deleted for good and cannot be restored."),
        validators=[
            DataRequired(message=_l("Tick the box to confirm that you want to delete your account.")),
        ],
    )
