"""Translation catalogues, one per feature: civic/<feature>/translations/it/LC_MESSAGES/messages.po.

Message ids are English; Italian is the default language, so every id needs an Italian translation.
    python -m civic.core.catalogs update    extract strings and add the new ones to every catalogue
    python -m civic.core.catalogs compile   build the .mo files (done by the set-up, never committed)
    python -m civic.core.catalogs check     list ids without an Italian translation (exit 1 if any)
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "civic"
TEMPLATES = ROOT / "templates"
LANGUAGES = ("it",)
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
            "lazy_ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
METHOD_MAP = [("**.py", "python"), ("**.html", "jinja2"), ("**.txt", "jinja2"), ("**.ics", "jinja2")]
OPTIONS = {"**.html": {"extensions": "jinja2.ext.do", "newstyle_gettext": "true"},
           "**.txt": {"extensions": "jinja2.ext.do", "newstyle_gettext": "true"}}
# Folders of templates/ whose strings belong to the core catalogue, with the top-level templates.
CORE_TEMPLATE_FOLDERS = ("core", "errors")


def features() -> list[str]:
    """Every folder of civic/ that is a feature package (has an __init__.py), except migrations."""
    return sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists() and p.name != "migrations")


def _sources(feature: str) -> list[tuple[Path, bool]]:
    """(folder, recursive) pairs whose strings belong to this feature's catalogue."""
    sources = [(PACKAGE / feature, True), (TEMPLATES / feature, True)]
    if feature == "core":
        sources += [(PACKAGE, False), (TEMPLATES, False)]
        sources += [(TEMPLATES / name, True) for name in CORE_TEMPLATE_FOLDERS if name != "core"]
    return [(path, recursive) for path, recursive in sources if path.is_dir()]


def extract(feature: str) -> Catalog:
    catalog = Catalog(project="civic", version="1", msgid_bugs_address=None)
    for folder, recursive in _sources(feature):
        for filename, lineno, message, comments, context in extract_from_dir(
            str(folder), METHOD_MAP, OPTIONS, KEYWORDS, ("TRANSLATORS:",), strip_comment_tags=True
        ):
            if not recursive and os.sep in filename:
                continue
            if "translations" in Path(filename).parts or "migrations" in Path(filename).parts:
                continue
            location = (str((folder / filename).relative_to(ROOT)), lineno)
            catalog.add(message, None, [location], auto_comments=comments, context=context)
    return catalog


def po_path(feature: str, language: str) -> Path:
    return PACKAGE / feature / "translations" / language / "LC_MESSAGES" / "messages.po"


def _read(path: Path, language: str) -> Catalog:
    if path.exists():
        with path.open("rb") as handle:
            return read_po(handle, locale=language)
    return Catalog(locale=language, project="civic", version="1")


def update() -> None:
    for feature in features():
        template = extract(feature)
        if not len(template):
            continue
        for language in LANGUAGES:
            path = po_path(feature, language)
            catalog = _read(path, language)
            catalog.update(template, no_fuzzy_matching=True)
            catalog.obsolete.clear()
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as handle:
                write_po(handle, catalog, width=110, sort_output=False, omit_header=False, include_lineno=False)
            print(f"{path.relative_to(ROOT)}: {len(catalog)} messages")


def compile_all() -> None:
    for feature in features():
        for language in LANGUAGES:
            path = po_path(feature, language)
            if not path.exists():
                continue
            catalog = _read(path, language)
            # Written aside and renamed: a server or a test run reading the catalogue meanwhile sees a whole file.
            target = path.with_suffix(".mo")
            partial = target.with_name(f".partial-{os.getpid()}-{target.name}")
            with partial.open("wb") as handle:
                write_mo(handle, catalog, use_fuzzy=False)
            os.replace(partial, target)


def missing() -> list[str]:
    """"feature: msgid" for every extracted string without a (non-fuzzy) Italian translation."""
    problems = []
    for feature in features():
        template = extract(feature)
        for language in LANGUAGES:
            catalog = _read(po_path(feature, language), language)
            for message in template:
                if not message.id:
                    continue
                translated = catalog.get(message.id, context=message.context)
                strings = translated.string if translated else None
                empty = not strings or (isinstance(strings, tuple) and not all(strings))
                if translated is None or empty or translated.fuzzy:
                    msgid = message.id if isinstance(message.id, str) else message.id[0]
                    problems.append(f"{feature} [{language}]: {msgid}")
    return problems


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command == "update":
        update()
    elif command == "compile":
        compile_all()
    elif command == "check":
        problems = missing()
        for line in problems:
            print(line)
        return 1 if problems else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
