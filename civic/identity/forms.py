"""The one form of SPID/CIE sign-in: confirming the account to create for a newly verified person."""
from __future__ import annotations

from flask_wtf import FlaskForm

from civic.accounts.forms import RegisterForm


class NewAccountForm(FlaskForm):
    """The fields of registration without the password (the identity provider proved who the person is)."""

    display_name = RegisterForm.display_name
    email = RegisterForm.email
    privacy = RegisterForm.privacy
