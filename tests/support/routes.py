"""Requests for every rule of the URL map, with dummy values for the converters (for matrix tests)."""
from __future__ import annotations

import uuid
from collections.abc import Callable

from werkzeug.routing import AnyConverter, FloatConverter, IntegerConverter, Rule, UUIDConverter


def dummy_value(converter):
    if isinstance(converter, IntegerConverter):
        return 1
    if isinstance(converter, FloatConverter):
        return 1.0
    if isinstance(converter, UUIDConverter):
        return uuid.UUID(int=1)
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return "x"


def rule_requests(app, wanted: Callable[[Rule], bool], methods=("GET", "POST")) -> list[tuple[str, str]]:
    """(method, path) for every rule `wanted` accepts: the first of `methods` the rule allows (else its first
    own method), with int arguments set to 1, strings to "x" and any() to its first item."""
    found = []
    for rule in app.url_map.iter_rules():
        if not wanted(rule):
            continue
        own = sorted(rule.methods - {"HEAD", "OPTIONS"})
        method = next((m for m in methods if m in rule.methods), own[0] if own else "GET")
        values = {name: dummy_value(converter) for name, converter in rule._converters.items()}
        _domain, path = rule.build(values, append_unknown=False)
        found.append((method, path))
    return sorted(set(found))
