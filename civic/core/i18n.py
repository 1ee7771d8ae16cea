"""Language and time zone selection. Italian first; `?lang=it|en` switches and is remembered in the
session."""
from __future__ import annotations

import os

from flask import current_app, g, has_request_context, request, session
from flask_babel import get_locale, get_translations

# Each language's name in that language, for choosing one (the header's switch, an e-mail's language).
LANGUAGE_NAMES = {"it": "Italiano", "en": "English"}
PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Where the templates' gettext keeps the catalogue it found, with the locale it belongs to, for the request.
KEPT_TRANSLATIONS = "civic_translations"


def translation_directories() -> list[str]:
    """One catalogue per language, in civic/translations (`flask --app civic translate ...`)."""
    return [os.path.join(PACKAGE_DIR, "translations")]


def select_locale() -> str:
    """?lang=, then the language remembered in the session, then Italian; Italian outside a request
    (commands)."""
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
    """The catalogue of the current language. Flask-Babel finds it again for every string, through several
    context lookups; a page has hundreds of strings, so it is kept for the request, with the locale object it
    belongs to (force_locale, used for e-mails in the recipient's language, swaps that object)."""
    locale = get_locale()
    kept = g.get(KEPT_TRANSLATIONS)
    if kept is not None and kept[0] is locale:
        return kept[1]
    found = get_translations()
    setattr(g, KEPT_TRANSLATIONS, (locale, found))
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
