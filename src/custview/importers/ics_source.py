"""Read iCalendar files (`.ics`, as calendar apps export them) into appointment records, parsed by
the icalendar library.

Each event becomes an appointment: SUMMARY is its purpose, DTSTART its time, the organiser and
attendees its attendees (rooms and people who declined left out); one without an outcome, so a
future event is a planned meeting. Its UID (with the occurrence's start, for a repeating event)
is its identity: importing the calendar again updates the same meeting and never drops what was
logged onto it. Its contact is the organiser
if they are a known contact, else the first attendee who is, matched by email when the records
are written (so contacts imported in the same run count). Its DESCRIPTION becomes a note about
that contact, written by the organiser, dated at the event's start; once per event, not per
occurrence. Cancelled events are left out.

A recurring event (RRULE, RDATE, EXDATE, moved or cancelled occurrences) becomes one appointment
per occurrence from one year before the import to 90 days after it: a rule may repeat forever,
and that is the stretch a relationship view needs. Single events are taken whenever they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from custview.dates import utc_now
from custview.errors import UserError
from custview.importers.content_lines import component_starts, read_text, unreadable_line, without_trailing_lines
from custview.importers.records import SourceRecord
from custview.printable import printable

YEARS_BACK = 1
DAYS_AHEAD = 90
MAX_OCCURRENCES = 1_000  # in the window, per event: more is a rule gone wrong, not a meeting series
MAX_STEPS = 100_000  # occurrences from DTSTART to the window's end: a daily meeting since the 18th century
ROLES = {"CHAIR": "chair", "OPT-PARTICIPANT": "optional", "NON-PARTICIPANT": "for information"}
NOT_PEOPLE = ("ROOM", "RESOURCE")
TOO_FREQUENT = ("SECONDLY", "MINUTELY", "HOURLY")
# The properties custview reads; a broken one of these is a problem, a broken other one is ignored.
USED = ("DTSTART", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID", "SUMMARY", "DESCRIPTION", "ATTENDEE",
        "ORGANIZER", "STATUS", "UID")
DATE_PROPERTIES = ("DTSTART", "RDATE", "EXDATE", "RECURRENCE-ID")
# The property each field comes from, for error messages ("meetings.ics:40: ATTENDEE: …").
APPOINTMENT_PROPERTIES = {"contact": "ATTENDEE", "purpose": "SUMMARY", "at": "DTSTART", "attendees": "ATTENDEE",
                          "uid": "UID"}
NOTE_PROPERTIES = {"contact": "ATTENDEE", "text": "DESCRIPTION", "at": "DTSTART", "author": "ORGANIZER"}
NO_TITLE = "(no title)"


@dataclass(frozen=True)
class Window:
    """The stretch of time within which a recurring event's occurrences are imported."""

    start: datetime
    end: datetime

    @classmethod
    def around(cls, now: datetime) -> Window:
        """From one year before `now` to 90 days after it."""
        from dateutil.relativedelta import relativedelta

        return cls(now - relativedelta(years=YEARS_BACK), now + timedelta(days=DAYS_AHEAD))

    def bounds_like(self, start: datetime) -> tuple[datetime, datetime]:
        """The window in the same terms as an event's start: aware, or naive local time (floating, all-day)."""
        if start.tzinfo:
            return self.start, self.end
        return tuple(moment.astimezone().replace(tzinfo=None) for moment in (self.start, self.end))


def read_ics_records(path: Path, notes: list[str] | None = None, warnings: list[str] | None = None) -> list[SourceRecord]:
    """Appointment and note records for the events of an iCalendar file; UserError if it is broken.

    How the file was read goes to `notes`; stray lines after its last calendar, left out, to `warnings`.
    """
    import icalendar

    text = without_trailing_lines(path, read_text(path, "iCalendar", notes), "VCALENDAR", "iCalendar", warnings)
    starts = component_starts(text, "VEVENT")
    try:
        calendars = icalendar.Calendar.from_ical(text, multiple=True)
    except ValueError as error:
        raise UserError(f"{path}: broken iCalendar file: {printable(str(error))[:200]}") from None
    events = [event for calendar in calendars for event in calendar.walk("VEVENT")]
    if len(events) != len(starts):  # cannot happen once the nesting is right; never guess a line
        starts = [starts[0] if starts else 1] * len(events)
    moved = _moved_occurrences(events)
    window = Window.around(utc_now())
    records: list[SourceRecord] = []
    problems: list[str] = []
    for event, line in zip(events, starts):
        reader = _EventReader(event, str(path), line, text)
        records.extend(reader.records(window, moved.get(reader.uid, set())))
        problems.extend(reader.problems)
    if problems:
        raise UserError(*problems)
    return records


class _EventReader:
    """Turns one VEVENT into records, collecting what is wrong with it."""

    def __init__(self, event, file: str, line: int, text: str):
        self.event, self.file, self.line, self.text = event, file, line, text
        self.problems: list[str] = []
        self.uid = str(event.get("UID", "")) or None

    def problem(self, name: str, message: str) -> None:
        """Note a problem with one of the event's properties."""
        self.problems.append(f"{self.file}:{self.line}: {name}: {message}")

    def records(self, window: Window, moved: set) -> list[SourceRecord]:
        """An appointment per occurrence (and a note for the description); none if cancelled or broken."""
        for name, message in self.event.errors:
            if name is None:
                self.problems.append(self._broken_line(message))
            elif name.upper() in USED:
                self.problem(name.upper(), self._unreadable(name.upper()))
        if self.problems or str(self.event.get("STATUS", "")).upper() == "CANCELLED":
            return []
        start = self._start()
        if start is None:
            return []
        occurrences = self._occurrences(start, window, moved)
        if self.problems or not occurrences:
            return []
        contacts, attendees = self._people()
        purpose = str(self.event.get("SUMMARY", "")).strip() or NO_TITLE
        records = [self._record("appointments", APPOINTMENT_PROPERTIES,
                                {"contact": contacts, "purpose": purpose, "at": _iso(moment), "attendees": attendees,
                                 "uid": self._occurrence_uid(moment)})
                   for moment in occurrences]
        description = str(self.event.get("DESCRIPTION", "")).strip()
        if description and "RECURRENCE-ID" not in self.event:  # a moved occurrence: its series has the note
            organiser = (_as_list(self.event.get("ORGANIZER")) or [None])[0]
            author = (str(getattr(organiser, "params", {}).get("CN", "")).strip() or _email(organiser)
                      if organiser is not None else None)
            records.append(self._record("notes", NOTE_PROPERTIES, {"contact": contacts, "text": description,
                                                                   "at": _iso(start), "author": author or None}))
        return records

    def _occurrence_uid(self, moment: date | datetime) -> str | None:
        """The meeting's identity across imports: the event's UID, with the occurrence's start if it repeats."""
        repeats = any(name in self.event for name in ("RRULE", "RDATE", "RECURRENCE-ID"))
        return f"{self.uid}/{_iso(moment)}" if self.uid and repeats else self.uid

    def _broken_line(self, message: str) -> str:
        """A line of the event the library could not read: where it is and what it says."""
        found = unreadable_line(self.text, self.line)
        if found is None:
            return f"{self.file}:{self.line}: broken event: {printable(message)[:200]}"
        number, line = found
        shown = printable(line if len(line) <= 60 else line[:59] + "…")
        return f"{self.file}:{number}: broken event: cannot read the line {shown!r} (expected NAME:value)"

    def _unreadable(self, name: str) -> str:
        """What is wrong with a property the library could not read, in custview's words."""
        broken = [value for value in _as_list(self.event.get(name)) if type(value).__name__ == "vBroken"]
        shown = repr(printable(str(broken[0]))[:60]) if broken else "its value"
        if name in DATE_PROPERTIES:
            return f"unreadable date {shown} (expected e.g. 20260314 or 20260314T093000Z)"
        return f"unreadable {'rule' if name == 'RRULE' else 'value'} {shown}"

    def _record(self, kind: str, properties: dict, data: dict) -> SourceRecord:
        return SourceRecord(kind, {key: value for key, value in data.items() if value is not None},
                            self.file, None, self.line, columns=properties)

    def _start(self) -> date | datetime | None:
        if "DTSTART" not in self.event:
            self.problem("DTSTART", "missing: an event needs a start")
            return None
        start = self.event.decoded("DTSTART")
        if not isinstance(start, date):
            self.problem("DTSTART", f"unreadable date {printable(str(start))[:60]!r}")
            return None
        return start

    def _occurrences(self, start: date | datetime, window: Window, moved: set) -> list[date | datetime]:
        """When the event takes place: its start, or for a recurring event its occurrences in the window."""
        if "RECURRENCE-ID" in self.event:  # one occurrence of a series, moved or changed
            first, last = window.bounds_like(_as_datetime(start))
            return [start] if first <= _as_datetime(start) <= last else []
        if "RRULE" not in self.event and "RDATE" not in self.event:
            return [start]
        series = self._series(_as_datetime(start))
        if series is None:
            return []
        first, last = window.bounds_like(_as_datetime(start))
        skipped = {_key(moment, start) for moment in self._dates("EXDATE") + list(moved)}
        found = []
        for steps, moment in enumerate(series, 1):
            if moment > last:
                break
            if steps > MAX_STEPS:
                self.problem("RRULE", f"more than {MAX_STEPS:,} occurrences from DTSTART to {last:%d %b %Y}: "
                                      "not a meeting series custview can import")
                return []
            if moment >= first and _key(moment, start) not in skipped:
                found.append(moment.date() if not isinstance(start, datetime) else moment)
                if len(found) > MAX_OCCURRENCES:
                    self.problem("RRULE", f"more than {MAX_OCCURRENCES:,} occurrences between {first:%d %b %Y} "
                                          f"and {last:%d %b %Y}: not a meeting series custview can import")
                    return []
        return found

    def _series(self, start: datetime):
        """The recurrence set (dateutil) of RRULE and RDATE, starting at the event's start."""
        from dateutil.rrule import rruleset, rrulestr

        series = rruleset()
        series.rdate(start)
        for rule in _as_list(self.event.get("RRULE")):
            frequency = str((rule.get("FREQ") or [""])[0]).upper()
            if frequency in TOO_FREQUENT:
                self.problem("RRULE", f"repeats {frequency.lower()}: custview imports events that repeat at most daily")
                return None
            if any(not str(value).lstrip("-").isdigit() or int(value) < 1
                   for part in ("INTERVAL", "COUNT") for value in rule.get(part) or []):
                self.problem("RRULE", "INTERVAL and COUNT must be whole numbers of at least 1")
                return None
            if _never_matches(rule):
                continue
            try:
                series.rrule(rrulestr(_rule_text(rule, start), dtstart=start))
            except (ValueError, TypeError) as error:
                self.problem("RRULE", f"cannot use the rule: {printable(str(error))[:120]}")
                return None
        for moment in self._dates("RDATE"):
            series.rdate(_like(moment, start))
        return series

    def _dates(self, name: str) -> list[date | datetime]:
        """The dates of a date-list property (EXDATE, RDATE), however many times it is given."""
        found = []
        for listed in _as_list(self.event.get(name)):
            found.extend(item.dt for item in getattr(listed, "dts", []) if isinstance(item.dt, date))
        return found

    def _people(self) -> tuple[list[str], list[dict]]:
        """Emails to find the contact by (organiser first) and the attendees as {name, role}."""
        entries = [(address, "organiser") for address in _as_list(self.event.get("ORGANIZER"))]
        for address in _as_list(self.event.get("ATTENDEE")):
            params = getattr(address, "params", {})
            declined = str(params.get("PARTSTAT", "")).upper() == "DECLINED"
            if declined or str(params.get("CUTYPE", "")).upper() in NOT_PEOPLE:
                continue
            entries.append((address, ROLES.get(str(params.get("ROLE", "")).upper())))
        emails: list[str] = []
        attendees: list[dict] = []
        seen: set[str] = set()
        for address, role in entries:
            email, name = _email(address), str(getattr(address, "params", {}).get("CN", "")).strip()
            key = (email or name).lower()
            if not key or key in seen:
                continue
            seen.add(key)
            if email:
                emails.append(email)
            shown = f"{name} ({email})" if name and email and name.lower() != email.lower() else (name or email)
            attendees.append({"name": shown, "role": role})
        return emails, attendees


def _moved_occurrences(events) -> dict[str, set]:
    """For each series (UID), the original times of occurrences given as events of their own (RECURRENCE-ID)."""
    moved: dict[str, set] = {}
    for event in events:
        if "RECURRENCE-ID" in event and "UID" in event:
            original = event.decoded("RECURRENCE-ID")
            if isinstance(original, date):
                moved.setdefault(str(event["UID"]), set()).add(original)
    return moved


def _never_matches(rule) -> bool:
    """Whether a daily or weekly rule limits the days so that none is left (BYMONTH=2;BYMONTHDAY=30).

    dateutil would look day by day up to the year 9999 to find that out (seconds per event); a
    yearly rule with the same limits over 400 years, one whole cycle of the calendar, says the same
    at once. A BYSETPOS beyond the instances of each day or week also leaves none.
    """
    from dateutil.rrule import rrulestr

    frequency = str((rule.get("FREQ") or [""])[0]).upper()
    if frequency not in ("DAILY", "WEEKLY"):
        return False
    per_period = 1
    for part in ("BYHOUR", "BYMINUTE", "BYSECOND") + (("BYDAY",) if frequency == "WEEKLY" else ()):
        per_period *= len(rule.get(part) or [None])
    if rule.get("BYSETPOS") and all(abs(int(position)) > per_period for position in rule["BYSETPOS"]):
        return True
    limits = {part: [str(value) for value in rule[part]] for part in ("BYMONTH", "BYMONTHDAY", "BYYEARDAY")
              if rule.get(part)}
    if rule.get("BYDAY"):
        limits["BYDAY"] = [str(day)[-2:] for day in rule["BYDAY"]]  # a weekday; "1MO" means nothing here
    if not limits:
        return False
    limits.setdefault("BYDAY", ["MO", "TU", "WE", "TH", "FR", "SA", "SU"])
    probe = ";".join(f"{part}={','.join(values)}" for part, values in limits.items())
    try:
        cycle = rrulestr(f"RRULE:FREQ=YEARLY;{probe};UNTIL=99991231", dtstart=datetime(9599, 1, 1))
        return next(iter(cycle), None) is None
    except (ValueError, TypeError):
        return False  # the rule itself says what is wrong with it


def _rule_text(rule, start: datetime) -> str:
    """An RRULE as dateutil reads it, its UNTIL made to agree with the start (dateutil insists on that)."""
    import icalendar

    text = icalendar.vRecur({key: value for key, value in rule.items() if key != "UNTIL"}).to_ical().decode()
    until = (rule.get("UNTIL") or [None])[0]
    if until is None:
        return f"RRULE:{text}"
    if not isinstance(until, datetime):
        until = datetime.combine(until, time(23, 59, 59))
    if start.tzinfo:
        until = (until if until.tzinfo else until.replace(tzinfo=start.tzinfo)).astimezone(timezone.utc)
        return f"RRULE:{text};UNTIL={until:%Y%m%dT%H%M%SZ}"
    until = until.astimezone().replace(tzinfo=None) if until.tzinfo else until
    return f"RRULE:{text};UNTIL={until:%Y%m%dT%H%M%S}"


def _as_datetime(moment: date | datetime) -> datetime:
    """An all-day date as midnight (naive: the user's local day); datetimes as they are."""
    return moment if isinstance(moment, datetime) else datetime.combine(moment, time())


def _like(moment: date | datetime, start: datetime) -> datetime:
    """A moment from the file in the same terms as the series' start, so the two can be compared."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, start.time())
    if start.tzinfo:
        return moment if moment.tzinfo else moment.replace(tzinfo=start.tzinfo)
    return moment.astimezone().replace(tzinfo=None) if moment.tzinfo else moment


def _key(moment: date | datetime, start: date | datetime):
    """What identifies an occurrence: its day for all-day events, else the instant."""
    if not isinstance(start, datetime):
        return moment.date() if isinstance(moment, datetime) else moment
    return _like(moment, start)


def _iso(moment: date | datetime) -> str:
    return moment.isoformat()


def _email(address) -> str:
    """The email of a calendar address: `mailto:ann@x.example`, or its EMAIL parameter."""
    text = str(address).strip()
    if text.lower().startswith("mailto:"):
        text = text[7:].strip()
    if "@" not in text:
        text = str(getattr(address, "params", {}).get("EMAIL", "")).strip()
    return text if "@" in text else ""


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
