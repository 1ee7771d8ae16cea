"""Hooks every request goes through: language memory, access guard, security headers, template helpers."""
from __future__ import annotations

import datetime as dt
import functools

from babel import Locale
from babel.numbers import NumberPattern, parse_pattern
from flask import Flask, abort, current_app, request, session, url_for
from flask_babel import format_date, format_datetime, format_decimal, format_percent, get_locale, get_timezone

from civic.core import assets, features, i18n
from civic.core.assets import FONTS, fonts_style_hash
from civic.core.forms import EmptyForm, form_error_items, form_failed, mark_form_failed
from civic.core.pagecache import Lazy
from civic.core.text import plain_excerpt, render_markdown

# font-src data: because the design kit's stylesheet embeds the video.js icon font as a data: URL.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'{font_style}; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def content_security_policy() -> str:
    """No inline script at all; inline style only for the one font stylesheet Bootstrap Italia injects. Made
    once per application root (the font stylesheet's address is under it), not at every response."""
    made = current_app.extensions.setdefault("civic_csp", {})
    root = request.script_root
    policy = made.get(root)
    if policy is None:
        style_hash = fonts_style_hash(current_app.static_folder, url_for("static", filename=FONTS))
        policy = CSP.format(font_style=f" '{style_hash}'" if style_hash else "")
        if len(made) < 8:  # one root per deployment; a few more at most behind a proxy's prefixes
            made[root] = policy
    return policy


def refuse_nul_bytes() -> None:
    """Nobody types a NUL byte, and PostgreSQL refuses to store or compare one (a 500): answer 400 up front,
    for the address, the query and the form of every request."""
    texts = [request.path]
    for values in (request.args, request.form):
        for key, items in values.lists():
            texts.append(key)
            texts.extend(items)
    if any("\x00" in text for text in texts):
        abort(400)


# Every response's security headers, beside the content security policy; Strict-Transport-Security only on
# HTTPS, and no-store for a signed-in person's pages (see security_headers).
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Permissions-Policy", "camera=(self), geolocation=(), microphone=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
HSTS = ("Strict-Transport-Security", "max-age=63072000; includeSubDomains")


def security_headers(response):
    """The security headers a view did not set itself (a view may widen its own policy: the SPID form)."""
    headers = response.headers
    present = {name.lower() for name in headers.keys()}
    wanted = [("Content-Security-Policy", content_security_policy()), *SECURITY_HEADERS]
    if request.is_secure:
        wanted.append(HSTS)
    if "_user_id" in session:
        # Pages for a logged-in person must not be kept by shared caches or the back button after logout. The
        # session says who is logged in without touching the user, which a commit has expired (a reload query
        # on every logged-in POST otherwise).
        wanted.append(("Cache-Control", "no-store"))
    headers.extend([(name, value) for name, value in wanted if name.lower() not in present])
    return response


def url_for_language(lang: str) -> str:
    """The current page in another language. Query arguments named like url_for's own (_external, _scheme,
    ...) or like a path argument are dropped: they would change the link or break it."""
    view_args = request.view_args or {}
    args = {key: value for key, value in request.args.items()
            if not key.startswith("_") and key not in view_args}
    args["lang"] = lang
    if request.endpoint and request.endpoint != "static":
        return url_for(request.endpoint, **view_args, **args)
    return url_for("core.home", lang=lang)


def local_datetime(value: dt.datetime | None, fmt: str = "medium") -> str:
    """A moment in Europe/Rome in the reader's language."""
    return _formatted(value, fmt, str(get_locale()), str(get_timezone())) if value else ""


def local_date(value, fmt: str = "long") -> str:
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        fmt = {"long": "d MMMM y", "medium": "d MMM y", "short": "dd/MM/y"}.get(fmt, fmt)
    return _formatted(value, fmt, str(get_locale()), str(get_timezone()))


@functools.lru_cache(maxsize=8192)
def _formatted(value: dt.date, fmt: str, _locale: str, _timezone: str) -> str:
    """Babel's formatting of a date or moment, remembered per language and time zone: the same dates (a
    meeting's, a motion's) come back on page after page, and formatting one costs a tenth of a millisecond."""
    return format_datetime(value, fmt) if isinstance(value, dt.datetime) else format_date(value, fmt)


@functools.lru_cache(maxsize=64)
def _pattern(fmt: str) -> NumberPattern:
    return parse_pattern(fmt)


# Numbers as printed, per value, pattern and language (see _number); emptied when full (a few hundred kB).
_NUMBERS: dict[tuple, str] = {}
NUMBERS_KEPT = 16384


def _number(value, fmt: str | None, percent: bool, locale: Locale) -> str:
    """Babel's format_decimal or format_percent (as Flask-Babel calls them), remembered per language: a
    results page prints a few hundred counts and shares, the same ones view after view, and Babel takes tens
    of microseconds for each (much of it parsing the pattern again). The language is part of the key as its
    plain fields: a Locale object compares slowly, and each request has its own."""
    key = (value.__class__, value, fmt, percent, locale.language, locale.territory, locale.script,
           locale.variant, locale.modifier)
    found = _NUMBERS.get(key)
    if found is None:
        if fmt is None:
            pattern = (locale.percent_formats if percent else locale.decimal_formats)[None]
        else:
            pattern = _pattern(fmt)
        found = pattern.apply(value, locale)
        if len(_NUMBERS) >= NUMBERS_KEPT:
            _NUMBERS.clear()
        _NUMBERS[key] = found
    return found


def _formatted_number(value, fmt: str | None, percent: bool) -> str:
    locale = i18n.current_locale()
    if locale is None or isinstance(value, bool):
        return (format_percent if percent else format_decimal)(value, fmt)
    try:
        return _number(value, fmt, percent, locale)
    except TypeError:  # a value that cannot be a key
        return (format_percent if percent else format_decimal)(value, fmt)


def number_filter(value, fmt: str | None = None) -> str:
    """A number in the reader's language (Flask-Babel's format_decimal)."""
    return _formatted_number(value, fmt, False)


def percent_of_filter(value, fmt: str | None = None) -> str:
    """A fraction as a percentage in the reader's language (Flask-Babel's format_percent)."""
    return _formatted_number(value, fmt, True)


def percent_filter(value: float | None) -> str:
    """A fraction as a percentage with one decimal, in the reader's language; a dash when there is none."""
    return "–" if value is None else _formatted_number(value, "#,##0.0%", True)


def decimal_filter(value: float | None) -> str:
    """A statistic with at most two decimals; a dash when there is none (e.g. no answers yet)."""
    return "–" if value is None else _formatted_number(value, "#,##0.##", False)


def template_context() -> dict:
    return {
        # formdata=None: the button forms never read the request body, so a page drawn for a request whose
        # body is refused (413) does not fail reading it again.
        "empty_form": Lazy(functools.partial(EmptyForm, formdata=None)),
        "current_language": str(get_locale()),
        "languages": current_app.config["CIVIC_LANGUAGES"],
        "language_names": i18n.LANGUAGE_NAMES,
        "url_for_language": url_for_language,
        "site_name": current_app.config["CIVIC_SITE_NAME"],
        "main_sections": list(features.each("menu")),
        "admin_links": list(features.each("admin")),
        "account_links": list(features.each("account_menu")),
    }


def init_app(app: Flask) -> None:
    # {% do list.append(x) %} in templates, instead of assigning to a throwaway name that could shadow _().
    app.jinja_env.add_extension("jinja2.ext.do")
    assets.init_app(app)  # fingerprinted static addresses
    i18n.install_template_gettext(app)
    # Before any other hook (civic.accounts.auth puts its access guard in front of it).
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_nul_bytes)
    app.before_request(i18n.remember_language)
    app.after_request(security_headers)
    app.context_processor(template_context)
    # Globals, not context: the error summary macro (_forms.html) is imported without the page's context.
    app.jinja_env.globals.update(form_error_items=form_error_items, mark_form_failed=mark_form_failed,
                                 form_failed=form_failed)
    app.add_template_filter(render_markdown, "markdown")
    app.add_template_filter(plain_excerpt, "excerpt")
    app.add_template_filter(local_datetime, "datetime")
    app.add_template_filter(local_date, "date")
    app.add_template_filter(number_filter, "number")
    app.add_template_filter(percent_of_filter, "percent")
    app.add_template_filter(percent_filter, "results_percent")
    app.add_template_filter(decimal_filter, "results_decimal")
