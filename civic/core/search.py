"""Small helpers for searching text safely."""
from __future__ import annotations


def like_pattern(text: str) -> str:
    """A LIKE pattern that matches `text` literally anywhere: % and _ typed by a user are not wildcards.
    Use with escape="\\"."""
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
