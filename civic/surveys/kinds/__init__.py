"""Survey question kinds: the registry.

Every kind is one module of this package (its class: builder settings, reading answers, figures, export
columns, personal data; see civic.surveys.kinds.base) and two templates, templates/surveys/kinds/<name>.html
(answering) and templates/results/kinds/<name>.html (results). A question stores its kind's name, a plain
string checked against this list: adding a kind is adding its module, its templates and a line below, no
migration.
"""
from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.types import TypeDecorator

from civic.surveys.kinds.base import Kind
from civic.surveys.kinds.checkbox_matrix import CheckboxMatrix
from civic.surveys.kinds.date import Date
from civic.surveys.kinds.dropdown import Dropdown
from civic.surveys.kinds.long_text import LongText
from civic.surveys.kinds.matrix import Matrix
from civic.surveys.kinds.multiple_choice import MultipleChoice
from civic.surveys.kinds.number import Number
from civic.surveys.kinds.ranking import Ranking
from civic.surveys.kinds.scale import Scale
from civic.surveys.kinds.short_text import ShortText
from civic.surveys.kinds.single_choice import SingleChoice
from civic.surveys.kinds.yes_no import YesNo

# Every kind, in the order of the builder's picker.
KINDS: tuple[Kind, ...] = (
    ShortText(),
    LongText(),
    SingleChoice(),
    YesNo(),
    Dropdown(),
    MultipleChoice(),
    Scale(),
    Number(),
    Date(),
    Ranking(),
    Matrix(),
    CheckboxMatrix(),
)
_BY_NAME = {kind.name: kind for kind in KINDS}
NAME_LENGTH = 20  # the column's size
if any(len(name) > NAME_LENGTH for name in _BY_NAME) or len(_BY_NAME) != len(KINDS):
    raise RuntimeError("every question kind needs its own name of at most 20 characters")


class UnknownKind(ValueError):
    """A name that is not the stored name of any kind."""


def get(name) -> Kind | None:
    """The kind stored under this name (a string, or a kind), or None."""
    return _BY_NAME.get(str(name)) if isinstance(name, str | Kind) else None


def of(name) -> Kind:
    """The kind stored under this name; UnknownKind when there is none."""
    kind = get(name)
    if kind is None:
        raise UnknownKind(f"no question kind is called {name!r}")
    return kind


class KindName(TypeDecorator):
    """A question's kind in the database: its name as plain text (no CHECK listing the kinds, so a new kind
    needs no migration), read back as the kind itself. Only registered names are written."""

    impl = String(NAME_LENGTH)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else of(value).name

    def process_result_value(self, value, dialect):
        return None if value is None else of(value)
