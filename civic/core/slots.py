"""The personal parts of a kept public page: what a signed-in person sees differently (the account menu, "you
support this", their registration, the forms with their CSRF token) is a *slot*, a small template of its own
rendered from plain values.

A page template writes `{{ personal("motions/_support.html", motion_id=motion.id, rule=motion.rule) }}`. In
a full render that is simply the small template's HTML. In a render that the page cache keeps
(civic/core/pagecache.py), it is that HTML for a visitor who is not signed in, between two markers; the kept
page is then split once into its shared text and its slots (the template and the values). A signed-in
person's page is the shared text with each slot rendered again for them: a few cheap reads (their support of
this motion, their registration for this meeting) instead of the whole page.

What makes it safe: a slot sees only its values (ints, strings, dates, enums, frozen dataclasses: never a
database object, which would outlive its session) and the context every template gets (current_user,
empty_form, url_for, ...), never the page's own variables, so it renders the same in a full render and in
an assembled one. A slot rendered inside another slot is part of it (no markers). A CSRF token is only ever
made in a slot rendered for the person, never in the kept page (the cache refuses a render that made one).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
import secrets

from flask import current_app, g
from flask_wtf.csrf import generate_csrf
from jinja2 import TemplateNotFound
from markupsafe import Markup

# The markers carry a random word made for each render, so a text that imitates them (in a motion's
# Markdown) is only text.
_OPEN = "<!--civic:slot %s %d-->"
_CLOSE = "<!--/civic:slot %s-->"
_SLOT = r"<!--civic:slot %s (\d+)-->(.*?)<!--/civic:slot %s-->"
_PLAIN = (int, float, str, bool, type(None), dt.date, dt.datetime, enum.Enum)
_MARKING = "_civic_slots"  # in g while a keepable render runs: the slots it wrote, in order
_NONCE = "_civic_slot_nonce"  # in g while a keepable render runs: its markers' random word
_CONTEXT = "_civic_slot_context"  # in g: the context every slot gets, made once per render
_SHARED = "_civic_shared_render"  # in g while the render kept for signed-in people runs (person set aside)


def _plain(value) -> bool:
    if isinstance(value, _PLAIN):
        return True
    if isinstance(value, tuple):
        return all(_plain(item) for item in value)
    return dataclasses.is_dataclass(value) and value.__dataclass_params__.frozen and all(
        _plain(getattr(value, f.name)) for f in dataclasses.fields(value))


def _base_context() -> dict:
    context = g.get(_CONTEXT)
    if context is None:
        context = {}
        current_app.update_template_context(context)  # the context processors, once per render
        setattr(g, _CONTEXT, context)
    return context


def _render(template: str, args: dict) -> str:
    return current_app.jinja_env.get_template(template).render({**_base_context(), **args})


def personal(template: str, optional: bool = False, **args) -> Markup:
    """The part of a page `template` renders for the current visitor from `args` (plain values only);
    nothing when `optional` and the template is not installed (a feature left out)."""
    if optional:
        try:
            current_app.jinja_env.get_template(template)
        except TemplateNotFound:
            return Markup("")
    for name, value in args.items():
        if not _plain(value):
            raise TypeError(f"slot {template}: {name} is not a plain value ({type(value).__name__})")
    marking = g.get(_MARKING)
    outer = g.get("_civic_in_slot", False)  # a slot inside a slot is part of it: restored, not cleared, after
    if marking is None or outer:
        g._civic_in_slot = True
        try:
            return Markup(_render(template, args))
        finally:
            g._civic_in_slot = outer
    marking.append((template, args))
    g._civic_in_slot = True
    try:
        html = _render(template, args)
    finally:
        g._civic_in_slot = outer
    nonce = g.get(_NONCE)
    return Markup(_OPEN % (nonce, len(marking) - 1) + html + _CLOSE % nonce)


def csrf_input() -> Markup:
    """The CSRF token's hidden field of the visitor's button forms (as EmptyForm's), made once per request:
    a page of fifty comments has fifty "Report" buttons."""
    made = g.get("_civic_csrf_input")
    if made is None:
        made = Markup('<input name="csrf_token" type="hidden" value="%s">') % generate_csrf()
        g._civic_csrf_input = made
    return made


def shared_render() -> bool:
    """Whether the render running is the one kept for signed-in people, the person set aside (made for a
    page whose `public_page(personal=...)` is a function): it is not an anonymous visitor's page, and
    carries nothing made for one (a token, a cookie); the slots add what the person gets."""
    return bool(g.get(_SHARED))


def begin_shared() -> None:
    setattr(g, _SHARED, True)


def end_shared() -> None:
    g.pop(_SHARED, None)


def start_marking() -> None:
    """A render the cache may keep begins: slots are marked in it (and the visitor is anonymous)."""
    setattr(g, _MARKING, [])
    setattr(g, _NONCE, secrets.token_hex(8))
    g.pop(_CONTEXT, None)


def stop_marking() -> tuple[list, str]:
    """The slots the render wrote, in order, and its markers' word; the context made for it is forgotten."""
    g.pop(_CONTEXT, None)
    return g.pop(_MARKING, None) or [], g.pop(_NONCE, "")


def split(body: bytes, marked: tuple[list, str]) -> tuple[bytes, tuple]:
    """A kept render as (the page for visitors who are not signed in, its parts): the parts are the shared
    text (str) and the slots ((template, args)), in order."""
    written, nonce = marked
    text = body.decode("utf-8")
    parts, plain, end = [], [], 0
    for found in re.finditer(_SLOT % (nonce, nonce), text, re.DOTALL) if written else ():
        shared = text[end:found.start()]
        parts.append(shared)
        parts.append(written[int(found.group(1))])
        plain.append(shared)
        plain.append(found.group(2))
        end = found.end()
    parts.append(text[end:])
    plain.append(text[end:])
    return "".join(plain).encode("utf-8"), tuple(parts)


def assemble(parts: tuple) -> bytes:
    """The kept page for the signed-in visitor: the shared text, each slot rendered for them."""
    g.pop(_CONTEXT, None)
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        else:
            template, args = part
            g._civic_in_slot = True
            try:
                out.append(_render(template, args))
            finally:
                g._civic_in_slot = False
    return "".join(out).encode("utf-8")


def init_app(app) -> None:
    app.jinja_env.globals.update(personal=personal, csrf_input=csrf_input, shared_render=shared_render)
