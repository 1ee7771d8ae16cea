"""The preferences form: one choice per kind of notification, built from the features' declarations."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField

from civic.notifications.models import Delivery

DELIVERY_LABELS = {
    Delivery.IMMEDIATE: _l("In the site and by e-mail at once"),
    Delivery.DAILY: _l("In the site, and by e-mail in a daily digest"),
    Delivery.SITE: _l("In the site only"),
    Delivery.OFF: _l("Not at all"),
}


def preferences_form(kinds, current: dict, formdata=None) -> FlaskForm:
    """A form with a radio group per notification kind (field name: the kind's key with dots as dashes)."""

    class PreferencesForm(FlaskForm):
        pass

    for kind in kinds:
        setattr(PreferencesForm, field_name(kind.key), RadioField(
            kind.label, choices=[(delivery.value, label) for delivery, label in DELIVERY_LABELS.items()],
            default=current[kind.key].value))
    return PreferencesForm(formdata=formdata)


def field_name(key: str) -> str:
    return "kind-" + key.replace(".", "-")
