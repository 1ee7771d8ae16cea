"""Forgetting the signed-in people the server processes know (civic/accounts/people.py), to stand for a
process that has not met them yet."""
from __future__ import annotations

from civic.accounts.people import EXTENSION


def forget_people(app, *, shelf: bool = True) -> None:
    """As a new process: without `shelf`, of this machine (the others' shelf still knows them); with it,
    of a machine where nobody has met them yet."""
    if EXTENSION in app.extensions:
        app.extensions[EXTENSION].clear()
    cache = app.extensions.get("civic_page_cache")
    if shelf and cache is not None and cache.shelf is not None:
        cache.shelf.clear()
