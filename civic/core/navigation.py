"""The site's main sections, in menu order: (endpoint, label). A feature adds its line here when it lands."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

MAIN_SECTIONS: list[tuple[str, object]] = []

# Councillor area entries shown on /manage/: (endpoint, label, description).
MANAGE_SECTIONS: list[tuple[str, object, object]] = []
