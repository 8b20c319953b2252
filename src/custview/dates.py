"""Dates as users write them (ISO, human, relative like "-6w") and as users read them ("3 days ago").

Datetimes are timezone-aware and kept in UTC. Input without a timezone is the user's local time.
"""

from __future__ import annotations

import os
import re
import time as _time
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache

_RELATIVE = re.compile(
    r"^(?:(?P<word>today|now|yesterday|tomorrow)|(?P<sign>[+-])\s*(?P<count>\d+)\s*(?P<unit>h|d|w|mo|m|y))"
    r"(?:\s+(?P<clock>\d{1,2}:\d{2}))?$",
    re.IGNORECASE,
)
_WORD_DAYS = {"today": 0, "now": 0, "yesterday": -1, "tomorrow": 1}


EARLIEST_YEAR, LATEST_YEAR = 1900, 2199  # the calendar custview keeps: far from datetime's limits


def within_calendar(moment: datetime) -> datetime:
    """`moment` if its year is one custview keeps (1900 to 2199); else ValueError saying so."""
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise ValueError(f"date out of range: {moment.date().isoformat()} (custview keeps dates from "
                         f"{EARLIEST_YEAR} to {LATEST_YEAR})")
    return moment


def utc_now() -> datetime:
    """The current moment, in UTC; `$CUSTVIEW_NOW` (ISO 8601) pins it, for reproducible scripts and docs."""
    pinned = os.environ.get("CUSTVIEW_NOW")
    if not pinned:
        return datetime.now(timezone.utc)
    try:
        moment = datetime.fromisoformat(pinned)
    except ValueError:
        from custview.errors import UserError

        raise UserError(f"CUSTVIEW_NOW: unreadable moment {pinned!r} (try 2026-06-15T09:00:00Z)") from None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def to_utc(moment: datetime) -> datetime:
    """Turn a naive (local) or aware datetime into an aware UTC one."""
    return moment.astimezone(timezone.utc)


def to_local(moment: datetime) -> datetime:
    """The same moment in the user's local time, for display and for calendar-day arithmetic."""
    return moment.astimezone()


def parse_when(value: object, now: datetime | None = None) -> datetime:
    """Read a date or time the way a user writes it and return it in UTC; ValueError if unreadable.

    Accepts datetime/date objects, ISO text, common human formats, and offsets relative to
    `now` (default: this moment): `today`, `yesterday`, `-3d`, `+1w`, `-2m` (months),
    `-1y`, `-4h`, optionally followed by a local time (`-2w 15:00`).
    """
    if isinstance(value, datetime):
        return to_utc(within_calendar(value))
    if isinstance(value, date):
        return to_utc(within_calendar(datetime.combine(value, time())))
    text = str(value).strip()
    if not text:
        raise ValueError("empty date")
    local_now = to_local(now or utc_now()).replace(tzinfo=None)
    relative = _RELATIVE.match(text)
    if relative:
        try:
            moment = _resolve_relative(relative, local_now)
        except (OverflowError, ValueError) as error:
            if "unreadable" in str(error):
                raise
            raise ValueError(f"date out of range: {text!r} (custview keeps dates from {EARLIEST_YEAR} to "
                             f"{LATEST_YEAR})") from None
        return to_utc(within_calendar(moment))
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = _human_date(text, local_now)
    return to_utc(within_calendar(moment))


def _human_date(text: str, local_now: datetime) -> datetime:
    from dateutil import parser

    try:
        return parser.parse(text, default=datetime.combine(local_now.date(), time()))
    except (ValueError, OverflowError, parser.ParserError):
        raise ValueError(f"unreadable date {text!r} (try 2026-03-14, 14 Mar 2026, -3d or +1w)") from None


def _resolve_relative(match: re.Match, local_now: datetime) -> datetime:
    from dateutil.relativedelta import relativedelta

    word, unit = (match["word"] or "").lower(), (match["unit"] or "").lower()
    if word == "now" or unit == "h":
        base = local_now
    else:
        base = datetime.combine(local_now.date(), time())
    if word:
        moment = base + timedelta(days=_WORD_DAYS[word])
    else:
        count = int(match["count"]) * (1 if match["sign"] == "+" else -1)
        step = {
            "h": relativedelta(hours=count),
            "d": relativedelta(days=count),
            "w": relativedelta(weeks=count),
            "m": relativedelta(months=count),
            "mo": relativedelta(months=count),
            "y": relativedelta(years=count),
        }[unit]
        moment = base + step
    if match["clock"]:
        hours, minutes = (int(part) for part in match["clock"].split(":"))
        if hours > 23 or minutes > 59:
            raise ValueError(f"unreadable time {match['clock']!r}")
        moment = moment.replace(hour=hours, minute=minutes, second=0, microsecond=0)
    return moment


def local_day(moment: datetime, days: int = 1) -> tuple[datetime, datetime]:
    """The start of `moment`'s local calendar day and the start of the day `days` later, in UTC."""
    start = to_local(moment).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    return to_utc(start), to_utc(start + timedelta(days=days))


def days_between(earlier: datetime, later: datetime) -> int:
    """Whole calendar days from `earlier` to `later` in the user's local time."""
    return (local_date(later) - local_date(earlier)).days


def local_date(moment: datetime) -> date:
    """The calendar day `moment` falls on in the user's local time, as `to_local(moment).date()` gives it, at a
    fraction of the cost for a UTC moment (a long list shows thousands): the offset is looked up once per UTC day."""
    if moment.tzinfo is not timezone.utc:
        return to_local(moment).date()
    day = moment.date()
    offsets = _OFFSETS.get(_time.tzname)  # the zone changes with time.tzset
    if offsets is None:
        offsets = _OFFSETS[_time.tzname] = {}
    offset = offsets.get(day, _UNKNOWN)
    if offset is _UNKNOWN:
        offset = offsets[day] = _offset_through(day)
    if offset is None:
        return to_local(moment).date()
    return (moment + offset).date() if offset else day


# For each local zone (its names), the offset from UTC through each UTC day asked about: a dict, not an
# lru_cache, whose calls cost four times a dict's look-up.
_OFFSETS: dict[tuple[str, str], dict[date, timedelta | None]] = {}
_UNKNOWN = object()


def _offset_through(day: date) -> timedelta | None:
    """The local time's offset from UTC throughout this day (of UTC), or None when it changes that day."""
    start = datetime.combine(day, time(), timezone.utc)
    first, last = to_local(start).utcoffset(), to_local(start + timedelta(days=1, microseconds=-1)).utcoffset()
    return first if first == last else None


def describe_age(moment: datetime, as_of: datetime) -> str:
    """Say how far `moment` is from `as_of` the way people do: "today", "3 days ago", "in 2 weeks"."""
    days = days_between(moment, as_of)
    if days == 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days == -1:
        return "tomorrow"
    span = describe_duration(abs(days))
    return f"{span} ago" if days > 0 else f"in {span}"


def describe_day(moment: datetime | None) -> str:
    """The local day of a moment as people read it ("05 Dec 2026"), or "—" for none."""
    return day_label(local_date(moment)) if moment else "—"


@lru_cache(maxsize=4096)  # a long list shows the same days over and over: strftime costs more than the lookup
def day_label(day: date) -> str:
    """A local calendar day as the lists and briefs show it: 05 Dec 2026."""
    return day.strftime("%d %b %Y")


def describe_duration(days: int) -> str:
    """Say how long a number of days is: "5 days", "6 weeks", "4 months", "1.5 years"."""
    if days < 14:
        return f"{days} day{'s' if days != 1 else ''}"
    if days < 60:
        return f"{round(days / 7)} weeks"
    if days < 365:
        return f"{round(days / 30.4)} months"
    years = round(days / 365.25, 1)
    return f"{years:g} year{'s' if years != 1 else ''}"


def parse_as_of(value: object, now: datetime | None = None) -> datetime:
    """The moment to compute something "as of": a plain day means the end of that day."""
    moment = parse_when(value, now)
    local = to_local(moment)
    if local.time() == time():
        return to_utc(local.replace(tzinfo=None, hour=23, minute=59, second=59))
    return moment


def stored_time(moment: datetime) -> str:
    """A moment as the database stores it: UTC without zone, to the microsecond (a naive one is UTC already)."""
    if moment.tzinfo:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.isoformat(" ", "microseconds")


def read_stored_time(text: str) -> datetime:
    """A stored moment (see `stored_time`) as an aware UTC datetime; one written with an offset keeps its moment."""
    try:
        return datetime.fromisoformat(text + "+00:00")  # the stored form, in one call: attention reads millions
    except ValueError:  # written with an offset by something else: honour it
        moment = datetime.fromisoformat(text)
        return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def stored_as_iso(text: str) -> str:
    """A stored moment as `iso_utc` writes it, read off the text when it is in the form `stored_time` writes
    ("2026-06-15 09:00:00.000000" -> "2026-06-15T09:00:00Z"): isoformat costs more than anything else a long
    list's --json does per row. Any other form is read (`read_stored_time`) and written again."""
    if len(text) == 26 and text[10] == " " and text[19] == "." and text[4] == text[7] == "-" and text[13] == text[16] == ":":
        return f"{text[:10]}T{text[11:19]}Z" if text.endswith(".000000") else f"{text[:10]}T{text[11:]}Z"
    return iso_utc(read_stored_time(text))


def iso_utc(moment: datetime) -> str:
    """A moment for scripts and files: ISO 8601 in UTC, written with `Z` (2026-06-15T09:00:00Z)."""
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
