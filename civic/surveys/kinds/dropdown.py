"""Drop-down list: one choice from a long list (the neighbourhoods of a town), a <select> whose first entry
asks to choose. Up to 200 options, no "other". Stored, counted, crossed and exported as a single choice, and a
condition can depend on it."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from civic.surveys.kinds.single_choice import SingleChoice


class Dropdown(SingleChoice):
    name = "dropdown"
    label = _l("Drop-down list (one choice from a long list)")
    has_other = False
    max_options = 200
    column_description = _l("Question %(number)d (drop-down list): %(prompt)s")

    def first_input_id(self, question) -> str:
        return f"q{question.id}"
