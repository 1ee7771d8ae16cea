"""Italian is the default language, so every visible string of every feature needs an Italian translation."""
from __future__ import annotations

import re

from babel.messages.pofile import read_po

from civic.core import catalogs

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def test_every_visible_string_has_an_italian_translation():
    assert catalogs.missing() == []


def test_translations_keep_the_placeholders_of_their_message_id():
    problems = []
    for feature in catalogs.features():
        path = catalogs.po_path(feature, "it")
        if not path.exists():
            continue
        with path.open("rb") as handle:
            catalog = read_po(handle, locale="it")
        for message in catalog:
            if message.id and isinstance(message.id, str) and message.string:
                if sorted(PLACEHOLDER.findall(message.id)) != sorted(PLACEHOLDER.findall(message.string)):
                    problems.append(f"{feature}: {message.id!r} -> {message.string!r}")
    assert problems == []


def test_one_english_message_has_one_italian_translation_across_features():
    """Flask-Babel merges the feature catalogues into one, so when two features translate the same id differently
    one of them silently shows the other's words. Use pgettext("context", ...) or a distinct id instead."""
    seen: dict[str, dict[str, list[str]]] = {}
    for feature in catalogs.features():
        path = catalogs.po_path(feature, "it")
        if not path.exists():
            continue
        with path.open("rb") as handle:
            catalog = read_po(handle, locale="it")
        for message in catalog:
            if message.id and message.string and not message.fuzzy:
                key = (message.context or "", message.id if isinstance(message.id, str) else message.id[0])
                text = message.string if isinstance(message.string, str) else message.string[0]
                seen.setdefault(key, {}).setdefault(text, []).append(feature)
    conflicts = {f"{context}|{msgid}" if context else msgid: found
                 for (context, msgid), found in seen.items() if len(found) > 1}
    assert conflicts == {}
