"""Italian is the default language, so every visible string of every feature needs an Italian translation."""
from __future__ import annotations

import re
from collections.abc import Iterator

from babel.messages.catalog import Message
from babel.messages.pofile import read_po

from civic.core import catalogs

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def translated_messages() -> Iterator[tuple[str, Message]]:
    """(feature, message) for every translated message of every feature's Italian catalogue."""
    for feature in catalogs.features():
        path = catalogs.po_path(feature, "it")
        if not path.exists():
            continue
        with path.open("rb") as handle:
            catalog = read_po(handle, locale="it")
        for message in catalog:
            if message.id and message.string and not message.fuzzy:
                yield feature, message


def first(text: str | tuple) -> str:
    return text if isinstance(text, str) else text[0]


def test_every_visible_string_has_an_italian_translation():
    assert catalogs.missing() == []


def test_translations_keep_the_placeholders_of_their_message_id():
    problems = [f"{feature}: {message.id!r} -> {message.string!r}"
                for feature, message in translated_messages()
                if sorted(PLACEHOLDER.findall(first(message.id))) != sorted(PLACEHOLDER.findall(first(message.string)))]
    assert problems == []


def test_one_english_message_has_one_italian_translation_across_features():
    """Flask-Babel merges the feature catalogues into one, so when two features translate the same id differently
    one of them silently shows the other's words. Use pgettext("context", ...) or a distinct id instead."""
    seen: dict[str, dict[str, list[str]]] = {}
    for feature, message in translated_messages():
        key = f"{message.context}|{first(message.id)}" if message.context else first(message.id)
        seen.setdefault(key, {}).setdefault(first(message.string), []).append(feature)
    assert {key: found for key, found in seen.items() if len(found) > 1} == {}
