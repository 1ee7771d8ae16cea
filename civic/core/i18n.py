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


def _babel_state():
    """Flask-Babel's namespace for the current context (where it keeps the locale, and where force_locale
    swaps it), found with one context lookup instead of its own several; None when it has none yet."""
    return g._get_current_object().__dict__.get("_flask_babel")


def current_locale():
    """get_locale(), cheaply once Flask-Babel has chosen the locale for this context: the number filters ask
    for it once per figure."""
    try:
        locale = getattr(_babel_state(), "babel_locale", None)
    except RuntimeError:  # outside an application context
        return get_locale()
    return locale if locale is not None else get_locale()


def translations():
    """The catalogue of the current language. Flask-Babel finds it again for every string, through several
    context lookups; a page has hundreds of strings, so it is kept for the request, with Flask-Babel's
    namespace and the locale object it belongs to (force_locale, used for e-mails in the recipient's language,
    swaps that object): a kept catalogue costs one context lookup."""
    try:
        kept_in = g._get_current_object()
    except RuntimeError:  # outside an application context
        return get_translations()
    kept = kept_in.__dict__.get(KEPT_TRANSLATIONS)
    if kept is not None and getattr(kept[0], "babel_locale", None) is kept[1]:
        return kept[2]
    found = get_translations()
    locale = get_locale()
    setattr(kept_in, KEPT_TRANSLATIONS, (_babel_state(), locale, found))
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
