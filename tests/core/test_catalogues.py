"""One catalogue per language (civic/translations): every message of the code is in each, translated, with the
placeholders of its id; the pages and e-mails use the catalogue of the language they are written in."""
from __future__ import annotations

import re
import shutil

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po, write_po
from babel.support import Translations
from flask import render_template_string
from flask_babel import force_locale

from civic import translate

LANGUAGES = ("it", "en")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]")


def read_catalogue(language: str) -> Catalog:
    with translate.catalogue_path(language).open("rb") as handle:
        return read_po(handle, locale=language)


def forms(text: str | tuple) -> tuple[str, ...]:
    return text if isinstance(text, tuple) else (text,)


def first(text: str | tuple) -> str:
    return forms(text)[0]


def key(message: Message) -> str:
    return f"{message.context}|{first(message.id)}" if message.context else first(message.id)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> Catalog:
    """The messages of the code and templates today, extracted the way `translate extract` does."""
    path = tmp_path_factory.mktemp("extract") / "messages.pot"
    translate.extract_messages(path, quiet=True)
    with path.open("rb") as handle:
        return read_po(handle)


def test_both_languages_have_a_catalogue():
    assert translate.catalogue_languages() == sorted(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_of_the_code_is_in_the_catalogue(extracted, language):
    """A message added to the code or a template needs `make messages` (extract, update), then translating."""
    catalogue = read_catalogue(language)
    missing = [key(message) for message in extracted
               if message.id and catalogue.get(message.id, context=message.context) is None]
    assert len(extracted) > 1000
    assert missing == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    catalogue = read_catalogue(language)
    # Babel refuses to compile a catalogue whose header is fuzzy: every page would be in English.
    assert not catalogue.fuzzy
    problems = [key(message) for message in catalogue
                if message.id and (message.fuzzy or not all(forms(message.string)))]
    assert problems == []


def placeholders(*texts: str) -> set[str]:
    return {found for text in texts for found in PLACEHOLDER.findall(text)}


def loses_or_adds_a_placeholder(message: Message) -> bool:
    ids, strings = forms(message.id), forms(message.string)
    if placeholders(*ids) != placeholders(*strings):
        return True
    # The singular may say "one" for %(num)d; the form for many keeps the placeholders of the plural.
    return len(ids) > 1 and placeholders(ids[-1]) != placeholders(strings[-1])


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders_of_their_message_id(language):
    """A lost placeholder drops a number or a name from the sentence; an added one breaks the page."""
    problems = [f"{message.id!r} -> {message.string!r}" for message in read_catalogue(language)
                if message.id and message.string and loses_or_adds_a_placeholder(message)]
    assert problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_one_message_has_one_translation(language):
    """Two entries for one message (two branches adding it, merged) would show one of them silently."""
    text = translate.catalogue_path(language).read_text(encoding="utf-8")
    entries = len(re.findall(r"^msgid ", text, flags=re.MULTILINE)) - 1  # less the header
    assert entries == len(read_catalogue(language))


def test_english_translates_each_message_to_its_own_id():
    """Until someone rewords a message in the English catalogue, English pages show the id from the code."""
    differing = [key(message) for message in read_catalogue("en")
                 if message.id and forms(message.string)[:2] != forms(message.id)[:2]]
    assert differing == []


def test_update_gives_english_new_messages_and_keeps_reworded_ones(tmp_path):
    catalogue = Catalog(locale="en")
    catalogue.add("Reworded in English", "Better English wording")
    catalogue.add("New message")
    catalogue.add(("%(num)d new answer", "%(num)d new answers"))
    catalogue.add("Changed message", "Old English", flags=["fuzzy"], previous_id=["Changd message"])
    path = tmp_path / "messages.po"
    with path.open("wb") as handle:
        write_po(handle, catalogue)

    assert translate.translate_to_itself(path) == 3

    with path.open("rb") as handle:
        updated = read_po(handle, locale="en")
    assert updated.get("Reworded in English").string == "Better English wording"
    assert updated.get("New message").string == "New message"
    assert updated.get("%(num)d new answer").string == ("%(num)d new answer", "%(num)d new answers")
    changed = updated.get("Changed message")
    assert (changed.string, changed.fuzzy) == ("Changed message", False)


def test_compile_builds_the_catalogues_the_application_reads(runner, tmp_path):
    result = runner.invoke(args=["translate", "compile"])
    assert result.exit_code == 0, result.output
    for language, expected in (("it", "Accedi per continuare."), ("en", "Please log in to continue.")):
        shutil.copytree(translate.TRANSLATIONS / language, tmp_path / language)
        loaded = Translations.load(str(tmp_path), [language])
        assert loaded.gettext("Please log in to continue.") == expected
    assert not list(translate.TRANSLATIONS.glob("*/LC_MESSAGES/.partial-*"))


def test_templates_switch_catalogue_inside_a_request_for_a_mail_in_another_language(app):
    """E-mails are written with force_locale in the recipient's language, often amid an Italian page."""
    with app.test_request_context("/?lang=it"):
        assert render_template_string("{{ _('Name') }}") == "Nome"
        with force_locale("en"):
            assert render_template_string("{{ _('Name') }}") == "Name"
        assert render_template_string("{{ _('Name') }}") == "Nome"
    with app.test_request_context("/?lang=en"):
        assert render_template_string("{{ _('Name') }}") == "Name"
        with force_locale("it"):
            assert render_template_string("{{ _('Name') }}") == "Nome"
