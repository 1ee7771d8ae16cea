"""The build hook of the wheel (everything else is in pyproject.toml): compile the translation catalogues into
the .mo files Flask-Babel reads, with Babel, and refuse to build a wheel without the front-end files of
`make assets`, so an installed wheel is complete."""
from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
VENDOR_BUILT = HERE / "civic" / "static" / "vendor" / ".built"


class BuildWithCatalogues(build_py):
    """build_py, then every civic/translations/<language>/LC_MESSAGES/messages.po compiled beside its copy."""

    def run(self) -> None:
        editable = getattr(self, "editable_mode", False)
        if not editable and not VENDOR_BUILT.exists():
            raise SystemExit("civic/static/vendor is not built: run `make assets` before building the wheel")
        super().run()
        if editable:
            return  # an editable install reads the catalogues of the checkout (`flask translate compile`)
        for source in sorted(HERE.glob("civic/translations/*/LC_MESSAGES/messages.po")):
            target = Path(self.build_lib) / source.relative_to(HERE).with_suffix(".mo")
            target.parent.mkdir(parents=True, exist_ok=True)
            with source.open("rb") as handle:
                catalogue = read_po(handle, locale=source.parents[1].name)
            with target.open("wb") as handle:
                write_mo(handle, catalogue, use_fuzzy=False)


setup(cmdclass={"build_py": BuildWithCatalogues})
