"""The site's time zone. Moments are stored aware, in UTC; people type, read and date them in Europe/Rome."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from civic.config import TIME_ZONE

ROME = ZoneInfo(TIME_ZONE)


def rome_to_utc(value: dt.datetime | None) -> dt.datetime | None:
    """A wall-clock time typed in Europe/Rome (naive, as a datetime-local field gives it) as an aware UTC
    datetime."""
    return value.replace(tzinfo=ROME).astimezone(dt.UTC) if value else None


def utc_to_rome(value: dt.datetime | None) -> dt.datetime | None:
    """An aware datetime as the naive Europe/Rome wall-clock time a datetime-local field shows."""
    return value.astimezone(ROME).replace(tzinfo=None) if value else None


def local_date(moment: dt.datetime) -> dt.date:
    """The day an aware moment falls on in Europe/Rome."""
    return moment.astimezone(ROME).date()


def local_today() -> dt.date:
    """Today's date where the site is (Europe/Rome), not in UTC."""
    return dt.datetime.now(ROME).date()
