"""Long text: free text over several lines (a comment, a proposal)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from civic.surveys.kinds.short_text import ShortText


class LongText(ShortText):
    name = "long_text"
    label = _l("Long text")
    single_line = False
    default_max_length = 2000
    max_length_limit = 5000
