"""Forms every part of the site shares."""
from __future__ import annotations

from flask import g
from flask_wtf import FlaskForm


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that change state (log out, resend, revoke, support)."""


def form_error_items(form, prefix: str = "") -> list[tuple[str | None, str, str]]:
    """What a failed form says, as the error summary lists it (templates/_forms.html): (the address of the
    field, its label, its messages), fields of lists and sub-forms included ("Agenda 2, Title"); errors of the
    whole form (and an expired CSRF token) without an address."""
    items: list[tuple[str | None, str, str]] = []
    for error in getattr(form, "form_errors", ()):
        items.append((None, "", str(error)))
    for field in form:
        if not field.errors:
            continue
        label = f"{prefix}{field.label.text}" if field.label else prefix
        if field.type == "CSRFTokenField":
            items.append((None, "", " ".join(str(error) for error in field.errors)))
        elif field.type in ("FieldList", "FormField"):
            entries = field.entries if field.type == "FieldList" else [field]
            for number, entry in enumerate(entries, start=1):
                inner = entry.form if hasattr(entry, "form") else None
                if inner is not None:
                    items.extend(form_error_items(inner, f"{label} {number}, "))
                elif entry.errors:
                    items.append((f"#{entry.id}", f"{label} {number}",
                                  " ".join(str(error) for error in entry.errors)))
        else:
            items.append((f"#{field.id}", label, " ".join(str(error) for error in field.errors)))
    return items


def mark_form_failed() -> str:
    """Called by the error summary as it is drawn: the page title then starts with "Error:"."""
    g.civic_form_failed = True
    return ""


def form_failed() -> bool:
    return bool(g.get("civic_form_failed"))
