"""Language and time zone selection. Italian first; `?lang=it|en` switches and is remembered in the session."""
from __future__ import annotations

import os

from flask import current_app, g, has_request_context, request, session
from flask_babel import get_translations

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


def translations():
    """The merged catalogue of the current language. Flask-Babel finds it again for every string, through
    several context lookups; a page has hundreds of strings, so it is kept for the request, per language
    object (force_locale, used for e-mails in the recipient's language, swaps that object)."""
    try:
        state = g._flask_babel
        kept = state.civic_translations
        if kept[0] is state.babel_locale:
            return kept[1]
    except AttributeError:
        pass
    found = get_translations()
    state = g._flask_babel
    state.civic_translations = (state.babel_locale, found)
    return found


def install_template_gettext(app) -> None:
    """The templates' _(), ngettext() and pgettext() through `translations()`: same strings, fewer lookups."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda string: translations().ugettext(string),
        ngettext=lambda singular, plural, n: translations().ungettext(singular, plural, n),
        pgettext=lambda context, string: translations().upgettext(context, string),
        npgettext=lambda context, singular, plural, n: translations().unpgettext(
            context, singular, plural, n),
        newstyle=True,
    )
