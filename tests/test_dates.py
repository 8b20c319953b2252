import time
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custview.dates import (describe_age, describe_duration, iso_utc, local_date, parse_as_of, parse_when,
                             read_stored_time, stored_as_iso, stored_time, to_local)

NOW = datetime(2026, 11, 24, 15, 30, tzinfo=timezone.utc)


def local_day(moment):
    return to_local(moment).date()


def test_relative_offsets_count_from_today():
    today = to_local(NOW).date()
    assert local_day(parse_when("-6w", NOW)) == today - timedelta(weeks=6)
    assert local_day(parse_when("-3d", NOW)) == today - timedelta(days=3)
    assert local_day(parse_when("+1w", NOW)) == today + timedelta(weeks=1)
    assert local_day(parse_when("today", NOW)) == today
    assert local_day(parse_when("yesterday", NOW)) == today - timedelta(days=1)


def test_relative_months_and_time_of_day():
    moment = to_local(parse_when("-2m 15:00", NOW))
    assert (moment.month, moment.hour, moment.minute) == ((to_local(NOW).month - 2 - 1) % 12 + 1, 15, 0)


def test_relative_day_offsets_are_stable_within_a_day():
    later_same_day = NOW + timedelta(minutes=20)
    assert parse_when("-3d", NOW) == parse_when("-3d", later_same_day)


def test_iso_and_human_formats():
    assert parse_when("2026-03-14T09:00:00+00:00") == datetime(2026, 3, 14, 9, tzinfo=timezone.utc)
    assert local_day(parse_when("2026-03-14")) == datetime(2026, 3, 14).date()
    assert local_day(parse_when("14 March 2026")) == datetime(2026, 3, 14).date()


def test_timezone_aware_values_become_utc():
    assert parse_when("2026-03-14T10:00:00+02:00") == datetime(2026, 3, 14, 8, tzinfo=timezone.utc)


@pytest.mark.parametrize("text", ["", "not a date", "-3x", "+2w 25:00", "32/13/2026"])
def test_unreadable_dates_raise_value_error(text):
    with pytest.raises(ValueError):
        parse_when(text, NOW)


def test_as_of_a_day_means_the_end_of_that_day():
    moment = to_local(parse_as_of("2026-10-01"))
    assert (moment.date(), moment.hour, moment.minute) == (datetime(2026, 10, 1).date(), 23, 59)


def test_ages_read_like_speech():
    assert describe_age(NOW, NOW) == "today"
    assert describe_age(NOW - timedelta(days=1), NOW) == "yesterday"
    assert describe_age(NOW - timedelta(days=3), NOW) == "3 days ago"
    assert describe_age(NOW + timedelta(days=3), NOW) == "in 3 days"
    assert describe_age(NOW - timedelta(weeks=6), NOW) == "6 weeks ago"
    assert describe_duration(120) == "4 months"


def test_custview_now_pins_the_clock_for_every_command(cli, book, monkeypatch):
    monkeypatch.setenv("CUSTVIEW_NOW", "2031-01-01T12:00:00Z")
    from custview.dates import utc_now

    assert utc_now().isoformat() == "2031-01-01T12:00:00+00:00"
    monkeypatch.setenv("CUSTVIEW_NOW", "next tuesday")
    result = cli("contacts")
    assert result.exit_code == 1
    assert "CUSTVIEW_NOW: unreadable moment 'next tuesday'" in result.output



@pytest.mark.parametrize("zone, moments", [
    # Newfoundland leaves summer time (-2:30) for -3:30 at 04:30 UTC, within an hour of UTC; in 2006 at 02:31 UTC,
    # a minute after local midnight, so that the clocks went back to the day before.
    ("America/St_Johns", {"2006-10-29 02:30:59": "2006-10-29", "2006-10-29 02:45:00": "2006-10-28",
                          "2026-11-01 02:29:59": "2026-10-31", "2026-11-01 02:30:00": "2026-11-01",
                          "2026-11-01 04:29:59": "2026-11-01", "2026-11-01 04:30:00": "2026-11-01",
                          "2026-11-02 03:29:59": "2026-11-01", "2026-11-02 03:30:00": "2026-11-02"}),
    # Lord Howe Island moves its clocks by half an hour (+10:30 to +11:00) at 15:30 UTC.
    ("Australia/Lord_Howe", {"2026-10-03 13:29:59": "2026-10-03", "2026-10-03 13:30:00": "2026-10-04",
                             "2026-10-03 15:29:59": "2026-10-04", "2026-10-04 12:59:59": "2026-10-04",
                             "2026-10-04 13:00:00": "2026-10-05"}),
    ("UTC", {"2026-03-28 23:59:59": "2026-03-28", "2026-03-29 00:00:00": "2026-03-29"}),
    ("Europe/Paris", {"2026-03-28 22:59:59": "2026-03-28", "2026-03-28 23:00:00": "2026-03-29",
                      "2026-03-29 21:59:59": "2026-03-29", "2026-03-29 22:00:00": "2026-03-30"}),
])
def test_a_moment_falls_on_its_local_calendar_day_across_summer_time_changes(monkeypatch, zone, moments):
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        for text, day in moments.items():
            moment = read_stored_time(text + ".000000")
            assert local_date(moment).isoformat() == day, (zone, text)
            assert local_date(moment.astimezone()).isoformat() == day, (zone, text)  # a moment not given in UTC
    finally:
        monkeypatch.undo()
        time.tzset()


@given(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 30), timezones=st.just(timezone.utc)))
def test_a_stored_moment_is_written_for_scripts_as_the_moment_itself_would_be(moment):
    assert stored_as_iso(stored_time(moment)) == iso_utc(moment)


def test_a_moment_stored_in_another_form_is_written_for_scripts_as_the_moment_it_is():
    assert stored_as_iso("2026-06-15 09:00:00.000000") == "2026-06-15T09:00:00Z"
    assert stored_as_iso("2026-06-15 09:00:00.250000") == "2026-06-15T09:00:00.250000Z"
    assert stored_as_iso("2026-06-15T09:00:00") == "2026-06-15T09:00:00Z"
    assert stored_as_iso("2026-06-15 11:30:00.500000+02:00") == "2026-06-15T09:30:00.500000Z"
    assert stored_as_iso("2026-W25-1 09:00:00.000000") == "2026-06-15T09:00:00Z"
