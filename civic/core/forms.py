"""Forms every part of the site shares."""
from __future__ import annotations

from flask_wtf import FlaskForm


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that change state (log out, resend, revoke, support)."""
