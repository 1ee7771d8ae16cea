"""Language and time zone selection. Italian first; `?lang=it|en` switches and is remembered in the session."""
from __future__ import annotations

import os

from flask import current_app, has_request_context, request, session

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def translation_directories() -> list[str]:
    """Each feature keeps its own catalogue in civic/<feature>/translations; Flask-Babel merges them."""
    found = []
    for name in sorted(os.listdir(PACKAGE_DIR)):
        candidate = os.path.join(PACKAGE_DIR, name, "translations")
        if os.path.isdir(candidate):
            found.append(candidate)
    return found


def select_locale() -> str:
    """?lang=, then the language remembered in the session, then Italian; Italian outside a request (commands)."""
    languages = current_app.config["CIVIC_LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    wanted = request.args.get("lang")
    if wanted in languages:
        return wanted
    remembered = session.get("lang")
    if remembered in languages:
        return remembered
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def remember_language() -> None:
    """Keep the language chosen with ?lang= for the following pages."""
    wanted = request.args.get("lang")
    if wanted in current_app.config["CIVIC_LANGUAGES"] and session.get("lang") != wanted:
        session["lang"] = wanted


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]
