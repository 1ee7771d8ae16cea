"""Rendering the parts that features add to a shared page (civic.core.features.Section), in the features'
order. A loader that returns None has nothing to show on this page."""
from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from civic.core import features
from civic.core.features import Section


def load(part: str, *args) -> list[tuple[Section, dict]]:
    """(section, context) for every feature's `part` section that has something to show."""
    loaded = []
    for section in features.each(part):
        context = section.load(*args)
        if context is not None:
            loaded.append((section, context))
    return loaded


def render(section: Section, context: dict) -> Markup:
    return Markup(render_template(section.template, **context))


def render_sections(part: str, *args) -> list[Markup]:
    return [render(section, context) for section, context in load(part, *args)]
