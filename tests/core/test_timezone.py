"""Times typed and shown in Europe/Rome, stored in UTC, dated by the Italian calendar: civic.core.timezone."""
from __future__ import annotations

import datetime as dt

from civic.core.timezone import local_date, local_today, rome_to_utc, utc_to_rome


def test_a_time_typed_in_winter_and_in_summer_is_stored_as_the_right_utc_moment():
    winter = rome_to_utc(dt.datetime(2015, 2, 14, 9, 0))
    summer = rome_to_utc(dt.datetime(2031, 7, 1, 18, 0))
    assert winter == dt.datetime(2015, 2, 14, 8, 0, tzinfo=dt.UTC) and winter.tzinfo == dt.UTC
    assert summer == dt.datetime(2031, 7, 1, 16, 0, tzinfo=dt.UTC)
    assert rome_to_utc(None) is None


def test_a_stored_moment_comes_back_as_the_wall_clock_time_the_form_showed():
    assert utc_to_rome(dt.datetime(2031, 7, 1, 16, 0, tzinfo=dt.UTC)) == dt.datetime(2031, 7, 1, 18, 0)
    assert utc_to_rome(rome_to_utc(dt.datetime(2015, 2, 14, 9, 0))) == dt.datetime(2015, 2, 14, 9, 0)
    assert utc_to_rome(None) is None


def test_a_meeting_half_an_hour_after_midnight_is_dated_by_the_italian_calendar():
    assert local_date(dt.datetime(2031, 2, 28, 23, 30, tzinfo=dt.UTC)) == dt.date(2031, 3, 1)
    assert local_date(dt.datetime(2031, 2, 28, 22, 30, tzinfo=dt.UTC)) == dt.date(2031, 2, 28)


def test_today_is_the_date_in_rome():
    before = dt.datetime.now(dt.UTC)
    today = local_today()
    after = dt.datetime.now(dt.UTC)
    assert today in {local_date(before), local_date(after)}
