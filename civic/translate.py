"""`flask --app civic translate extract|update|compile`: Babel's own workflow over one catalogue per language,
civic/translations/<language>/LC_MESSAGES/messages.po.

    extract   the messages of civic/ (code and templates), as babel.cfg maps them, into messages.pot
    update    merge messages.pot into every catalogue; the English one gets each new id as its own translation
    compile   build the .mo files Flask-Babel reads (not committed: `make run` and `make test` build them)
"""
from __future__ import annotations

import contextlib
import os
from importlib.metadata import version
from pathlib import Path

import click
from babel.messages.frontend import BaseError, CommandLineInterface
from babel.messages.pofile import read_po, write_po
from flask import current_app
from flask.cli import AppGroup

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "civic" / "translations"
TEMPLATE = ROOT / "messages.pot"
MAPPING = "babel.cfg"
SOURCES = ("civic",)
SOURCE_SUFFIXES = {".py", ".html", ".txt", ".ics"}
# Babel's defaults (_, gettext, ngettext, pgettext, npgettext, ...) plus Flask-Babel's lazy ones.
KEYWORDS = ("_l", "lazy_gettext", "lazy_ngettext:1,2", "lazy_pgettext:1c,2", "lazy_npgettext:1c,2,3")
WIDTH = "110"
# Message ids are English, so the English catalogue translates each id to itself (like gettext's msgen).
SOURCE_LANGUAGE = "en"

translate_cli = AppGroup("translate", help="Translation catalogues: extract, update, compile (Babel).")


def pybabel(*arguments: str, quiet: bool = False) -> None:
    """Run one `pybabel` command in the repository root, where babel.cfg is and the paths it writes start."""
    argv = ["pybabel", *(["--quiet"] if quiet else []), *arguments]
    with contextlib.chdir(ROOT):
        try:
            status = CommandLineInterface().run(argv)
        except BaseError as error:
            raise click.ClickException(f"pybabel {arguments[0]}: {error}") from error
    if status:
        raise click.ClickException(f"pybabel {arguments[0]} found errors (listed above)")


def catalogue_path(language: str) -> Path:
    """The .po file of one language."""
    return TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"


def catalogue_languages() -> list[str]:
    """The languages that have a catalogue."""
    return sorted(path.parents[1].name for path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))


def extract_messages(output: Path = TEMPLATE, quiet: bool = False) -> None:
    """Write every message of the code and the templates into a .pot template."""
    keywords = [f"--keyword={keyword}" for keyword in KEYWORDS]
    pybabel("extract", f"--mapping={MAPPING}", *keywords, "--add-comments=TRANSLATORS:", "--strip-comments",
            # Without line numbers, moving code does not rewrite the catalogues.
            "--add-location=file", f"--width={WIDTH}", "--project=civic", f"--version={version('civic')}",
            f"--output={output}", *SOURCES, quiet=quiet)


def _template_is_stale() -> bool:
    if not TEMPLATE.exists():
        return True
    extracted = TEMPLATE.stat().st_mtime
    return any(path.suffix in SOURCE_SUFFIXES and path.stat().st_mtime > extracted
               for folder in SOURCES for path in (ROOT / folder).rglob("*"))


def update_catalogues(languages: list[str], quiet: bool = False) -> None:
    """Merge messages.pot into each language's catalogue (created when missing), then give the English
    catalogue its new messages. Extracts first when messages.pot is missing or older than a source file."""
    if _template_is_stale():
        extract_messages(quiet=quiet)
    for language in languages:
        if not catalogue_path(language).exists():
            pybabel("init", f"--input-file={TEMPLATE}", f"--output-dir={TRANSLATIONS}",
                    f"--locale={language}", f"--width={WIDTH}", quiet=quiet)
    for language in catalogue_languages():
        # Fuzzy matching offers a changed message its old translation, flagged for review (tests fail until a
        # translator removes the flag); English takes the new id instead. No --previous: Babel would keep the
        # old id as a stray comment once the flag is gone.
        matching = ["--no-fuzzy-matching"] if language == SOURCE_LANGUAGE else []
        pybabel("update", f"--input-file={TEMPLATE}", f"--output-dir={TRANSLATIONS}", f"--locale={language}",
                *matching, "--ignore-obsolete", "--ignore-pot-creation-date", f"--width={WIDTH}", quiet=quiet)
    if catalogue_path(SOURCE_LANGUAGE).exists():
        translate_to_itself(catalogue_path(SOURCE_LANGUAGE))


def translate_to_itself(path: Path) -> int:
    """Give every untranslated or fuzzy message of a catalogue its own id as translation; English wording that
    was changed on purpose (a translated, reviewed message) stays. Returns how many messages changed."""
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=SOURCE_LANGUAGE)
    changed = 0
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not message.id or (all(strings) and not message.fuzzy):
            continue
        if isinstance(message.id, tuple):
            singular, plural = message.id[:2]
            message.string = (singular, *[plural] * (catalog.num_plurals - 1))
        else:
            message.string = message.id
        message.flags.discard("fuzzy")
        message.previous_id = []
        changed += 1
    if changed:
        with path.open("wb") as handle:
            write_po(handle, catalog, width=int(WIDTH), ignore_obsolete=True)
    return changed


def compile_catalogues(quiet: bool = False) -> None:
    """Build each catalogue's .mo file, leaving out fuzzy translations."""
    for language in catalogue_languages():
        source = catalogue_path(language)
        target = source.with_suffix(".mo")
        # Written aside and renamed, so a server or test run reading it meanwhile sees a whole file: that is
        # why each catalogue is compiled on its own (--input-file) rather than all at once (--directory).
        partial = target.with_name(f".partial-{os.getpid()}-{target.name}")
        try:
            pybabel("compile", f"--input-file={source}", f"--output-file={partial}", f"--locale={language}",
                    *([] if quiet else ["--statistics"]), quiet=quiet)
            if not partial.exists():
                raise click.ClickException(f"{source.relative_to(ROOT)} is marked fuzzy in its header, so "
                                           "Babel skips it: remove '#, fuzzy' above its first msgid")
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)


@translate_cli.command("extract")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=TEMPLATE,
              show_default=True, help="Where to write the template.")
def extract_command(output: Path):
    """Collect the messages of civic/ (code and templates) into messages.pot."""
    extract_messages(output.resolve())


@translate_cli.command("update")
def update_command():
    """Add new messages to every catalogue and drop removed ones (English: each id as its own translation)."""
    update_catalogues(list(current_app.config["CIVIC_LANGUAGES"]))
    click.echo("Now translate the messages without a translation, or flagged fuzzy, in "
               f"{TRANSLATIONS.relative_to(ROOT)}/*/LC_MESSAGES/messages.po, then run `translate compile`.")


@translate_cli.command("compile")
def compile_command():
    """Build the .mo files the application reads."""
    compile_catalogues()
