"""The few who need attention most in a book of any size, without reading everyone in full.

`rank_book_attention` reads every contact's figures; `top_attention` gives the same first `limit` items
by reading only the contacts who could be among them. Each contact has a key, (-urgency, lower-case
name, place in the list): the items are the smallest keys. A bound on a contact's urgency gives a key
no larger than theirs, so a contact whose bound key is larger than the `limit`-th item found cannot rank.
Each level is dearer and closer than the one before, and read only while it could still rank:
0. groups, from a few small reads for the whole book (the open tickets, services at risk, who the readiness rules
   could call out: `CallOutCandidates`): those with open problems, those at a company with a service at risk,
   everyone else; each split into those who could be called out and the others (a call-out adds up to 25); each
   with the most its members could have;
1. a group's members, from their recorded stage and since when (where the stage history agrees), their open
   problems and their company: everything else assumed at its worst;
2. a batch at a time, how many signals they have in the last RECENT_DAYS and EVIDENCE_DAYS;
3. a batch at a time, how many steps they have not done and due;
4. a batch at a time, from their signals and stage history: all but the meetings;
5. a batch at a time, the whole rules (`attention_from_facts` over `book_facts`).
The place in the list is (name without ASCII case, id): the order of `Reader.contact_rows` among equal names.
"""

from __future__ import annotations

import heapq
import string
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from custview.cycles import cycle_collection_paused
from custview.dates import read_stored_time, stored_time
from custview.insight.attention import (HEALTH_DROP_URGENCY, HEALTH_DROP_WINDOW_DAYS, NOT_A_REASON_AT,
                                        READINESS_URGENCY, AttentionItem, attention_from_facts)
from custview.insight.facts import (EARLIER_DAYS, EVIDENCE_DAYS, RECENT_DAYS, TWO_WAY_SIGNAL_KINDS, ContactFacts,
                                    book_facts, open_issues, open_requests, stage_from, with_requests)
from custview.insight.tickets import kind_of
from custview.insight.health import (ISSUE_AGEING_DAYS, MOST_TICKET_POINTS, TYPICAL_STAGE_DAYS, issue_points, most_points_lost, quiet_rule,
                                     stalled_rule, ticket_rule, trend_rule)
from custview.insight.readiness import CallOutCandidates, evidence_kinds, possible_directions
from custview.stages import Stage

if TYPE_CHECKING:
    from custview.db.reader import Reader

GROUP, LOOSE, COUNTED, STEPPED, CLOSE, EXACT = range(6)  # how much is known about the entries of the queue
RULES = ("quiet", "trend", "tickets", "overdue", "stalled", "service")  # the health rules that cost points
BATCHES = {LOOSE: 500, COUNTED: 500, STEPPED: 100, CLOSE: 100}  # contacts read together at each level
UNKNOWN_OVERDUE = 2  # overdue steps assumed until they are read: as many as the rule charges for
ASCII_CASE = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)  # what SQLite's NOCASE ignores


def top_attention(reader: Reader, as_of: datetime, limit: int, **filters) -> list[AttentionItem]:
    """The `limit` most urgent of the contacts `filters` pick (`custview.db.aggregates.contact_keys`), exactly
    as `rank_book_attention` ranks them, reading in full only those who could be among them."""
    search = _Search(reader, as_of, filters)
    queue = search.groups()
    found: list[AttentionItem] = []
    with cycle_collection_paused():
        while len(found) < limit and queue:
            level = queue[0][3]
            if level == EXACT:
                found.append(heapq.heappop(queue)[4])
                continue
            for level, batch in _next_batches(queue).items():
                for entry in search.read(level, batch):
                    heapq.heappush(queue, entry)
    return found


def _next_batches(queue: list[tuple]) -> dict[int, list[tuple]]:
    """The entries at the head of the queue to read one level closer, by level: a group alone; else the head and
    those after it, whatever their level, until an item or a group comes up or a level has a batch's worth.
    Reading an entry closer than needed costs time but changes no result: its key only grows towards its own."""
    head = heapq.heappop(queue)
    if head[3] == GROUP:
        return {GROUP: [head]}
    batches = {head[3]: [head]}
    while queue and queue[0][3] not in (GROUP, EXACT):
        level = queue[0][3]
        if len(batches.setdefault(level, [])) == BATCHES[level]:
            break
        batches[level].append(heapq.heappop(queue))
    return batches


class _Known:
    """What is known about a contact before their signals are read (None: not yet read)."""

    __slots__ = ("ticket_points", "open_issues", "service_at_risk", "may_call_out", "counts", "overdue_steps",
                 "steps_counted")

    def __init__(self, ticket_points: int, open_issues: bool, service_at_risk: bool, may_call_out: bool,
                 overdue_steps: int | None = None):
        self.ticket_points, self.open_issues, self.service_at_risk = ticket_points, open_issues, service_at_risk
        self.may_call_out = may_call_out  # whether the readiness rules could call them out
        self.counts: tuple[int, int] | None = None  # signals in the last RECENT_DAYS, EVIDENCE_DAYS
        self.overdue_steps = UNKNOWN_OVERDUE if overdue_steps is None else overdue_steps  # at most
        self.steps_counted = overdue_steps is not None

    def loose_bound(self, stage: Stage | None, could_be_stalled: bool) -> int:
        """The most urgency they could have at this stage (None: any), whatever else their signals say."""
        rules = [rule for rule in RULES if (stage is None or rule not in NOT_A_REASON_AT.get(stage, ()))
                 and (could_be_stalled or rule != "stalled")]
        lost = most_points_lost(self.ticket_points, self.overdue_steps, self.service_at_risk, tuple(rules))
        return self._with_extras(min(100, lost), stage, *(self.counts or (None, None)))

    def close_bound(self, facts: ContactFacts, as_of: datetime) -> int:
        """The most urgency they could have, from `facts` holding all but their meetings and overdue steps:
        meetings could only make them less quiet (but "gone quiet" rather than "no two-way touch"), the overdue
        steps are taken as counted."""
        rules = [rule for rule in RULES if rule not in NOT_A_REASON_AT.get(facts.stage, ())]
        at_worst = [rule for rule in rules if rule in ("overdue", "service")
                    or (rule == "quiet" and facts.last_two_way is None)]
        lost = most_points_lost(self.ticket_points, self.overdue_steps, self.service_at_risk, tuple(at_worst))
        for rule in (quiet_rule, trend_rule, ticket_rule, stalled_rule):
            reason = rule(facts, as_of)
            if reason and reason.rule in rules and reason.rule not in at_worst:
                lost -= min(reason.points, 0)
        return self._with_extras(min(100, lost), facts.stage, facts.signals_recent,
                                 facts.signals_recent + facts.signals_earlier)

    def _with_extras(self, health_urgency: int, stage: Stage | None, recent: int | None, in_window: int | None) -> int:
        """With the most a readiness call-out and a drop in health could add (`recent`, `in_window`: at least so
        many signals in the last RECENT_DAYS, at most so many in the last EVIDENCE_DAYS; None: not known)."""
        stages = [stage] if stage is not None else list(Stage)
        readiness = max((READINESS_URGENCY[d] for s in stages
                         for d in possible_directions(s, self.open_issues, recent, in_window)),
                        default=0) if self.may_call_out else 0
        return health_urgency + readiness + HEALTH_DROP_URGENCY


class _Search:
    """What is read once for the search, and how each level of the queue is read closer."""

    def __init__(self, reader: Reader, as_of: datetime, filters: dict):
        from custview.db.aggregates import BookAggregates, open_ticket_rows

        self.reader, self.as_of, self.filters = reader, as_of, filters
        self.candidates = CallOutCandidates.read(reader, as_of, **filters)
        self.unsure = self.candidates.moved
        self.book = BookAggregates.for_book(reader)
        self.ticket_points = _most_ticket_points(open_ticket_rows(reader, as_of),
                                                 stored_time(as_of - timedelta(days=ISSUE_AGEING_DAYS - 1)))
        # Not stalled for sure: in the stage since a day less than it typically takes (moments compared as stored).
        self.fresh_since = {stage.value: stored_time(as_of - timedelta(days=days - 1))
                            for stage, days in TYPICAL_STAGE_DAYS.items()}
        self.seen: set[int] = set()  # the contacts of the groups read so far
        self.steps_due: dict[int, int] | None = None  # per contact, counted for the whole book (once read)
        self.bounds: dict[tuple, int] = {}  # the same few figures recur across a book
        self.at_risk: list[int] | None = None  # the contacts of companies with a service at risk (once read)

    def groups(self) -> list[tuple]:
        """The queue at first: a group each for those with open problems, those at a company with a service at
        risk, and everyone else; each split into those the readiness rules could call out and the others; each
        with the most its members could have."""
        may = self.candidates.any_stage()
        groups = []
        for may_call_out in (True, False):
            among = (lambda ids: [i for i in ids if i in may]) if may_call_out else (lambda ids: ids)
            worst = max((_Known(points, True, True, may_call_out).loose_bound(None, True)
                         for points in set(self.ticket_points.values())), default=0)
            at_risk = _Known(0, False, True, may_call_out).loose_bound(None, True)
            rest = _Known(0, False, False, may_call_out).loose_bound(None, True)
            place = -6 if may_call_out else -3
            groups += [(-worst, "", ("", place), GROUP, lambda among=among: among(sorted(self.ticket_points))),
                       (-at_risk, "", ("", place + 1), GROUP, lambda among=among: among(self._at_risk())),
                       (-rest, "", ("", place + 2), GROUP, (lambda: sorted(may)) if may_call_out else None)]
        return sorted(groups)

    def read(self, level: int, batch: list[tuple]) -> list[tuple]:
        """The entries of a batch read one level closer (an EXACT one holds an item; who has none is gone)."""
        if level == GROUP:
            return self._members(batch[0][4])
        return {LOOSE: self._counted, COUNTED: self._stepped, STEPPED: self._closer, CLOSE: self._exactly}[level](batch)

    def _at_risk(self) -> list[int]:
        from custview.db.aggregates import contacts_of_companies

        if self.at_risk is None:
            self.at_risk = contacts_of_companies(self.reader, list(self.book.services_at_risk))
        return self.at_risk

    def _members(self, find_ids) -> list[tuple]:
        """The contacts of a group (None: everyone not read yet) that the filters pick, each with a loose bound."""
        from custview.db.aggregates import contact_keys, steps_due_counts
        from custview.db.batch import chunks

        if find_ids is None:  # most of the book, often: its steps are counted at once
            self.steps_due = steps_due_counts(self.reader, self.as_of)
            keys = contact_keys(self.reader, **self.filters)
        else:
            ids = [contact_id for contact_id in find_ids() if contact_id not in self.seen]
            keys = (key for chunk in chunks(ids) for key in contact_keys(self.reader, **self.filters, ids=chunk))
        entries = []
        for key in keys:
            contact_id, name = key[:2]
            if contact_id in self.seen:
                continue
            self.seen.add(contact_id)
            what, recorded = self._known(key), self._recorded(key)
            figures = (what.ticket_points, what.open_issues, what.service_at_risk, what.may_call_out,
                       what.overdue_steps, *recorded)
            if (bound := self.bounds.get(figures)) is None:
                bound = self.bounds[figures] = what.loose_bound(*recorded)
            entries.append((-bound, name.lower(), (name.translate(ASCII_CASE), contact_id), LOOSE, contact_id))
        return entries

    def _recorded(self, key: tuple) -> tuple[Stage | None, bool]:
        """The contact's stage as recorded (None: it may not be their stage), and whether they could be stalled."""
        contact_id, _, _, stage, since = key
        sure = contact_id not in self.unsure and stage in self.fresh_since
        return Stage.parse(stage) if sure else None, not sure or (since is not None and since < self.fresh_since[stage])

    def _counted(self, batch: list[tuple]) -> list[tuple]:
        """Their signal counts: each back in the queue with a closer loose bound."""
        from custview.db.aggregates import recorded_stages, signal_counts

        as_of = self.as_of
        ids = [entry[4] for entry in batch]
        keys = recorded_stages(self.reader, ids)  # read again: memory holds a number per contact waiting, not a row
        counts = signal_counts(self.reader, ids, as_of - timedelta(days=EVIDENCE_DAYS), as_of - timedelta(days=RECENT_DAYS),
                               as_of)
        entries = []
        for _, lower, place, _, contact_id in batch:
            key = keys[contact_id]
            what = self._known(key)
            what.counts = counts.get(key[0], (0, 0))
            level = STEPPED if what.steps_counted else COUNTED
            entries.append((-what.loose_bound(*self._recorded(key)), lower, place, level, (key, what)))
        return entries

    def _stepped(self, batch: list[tuple]) -> list[tuple]:
        """How many steps they have not done and due (as many as could be overdue): each back in the queue with a
        closer loose bound."""
        from custview.db.aggregates import _steps_due_before

        steps = _steps_due_before(self.reader, self.as_of, [entry[4][0][0] for entry in batch])
        entries = []
        for _, lower, place, _, (key, what) in batch:
            what.overdue_steps = len(steps.get(key[0], ()))
            entries.append((-what.loose_bound(*self._recorded(key)), lower, place, STEPPED, (key, what)))
        return entries

    def _closer(self, batch: list[tuple]) -> list[tuple]:
        """Their signal figures and stage history (with the open tickets they raised): each back in the queue with
        a closer bound."""
        from custview.db.aggregates import signal_and_stage_figures, tickets_open_since

        as_of = self.as_of
        windows = [(as_of - timedelta(days=RECENT_DAYS), as_of),
                   (as_of - timedelta(days=EARLIER_DAYS), as_of - timedelta(days=RECENT_DAYS))]
        ids = [entry[4][0][0] for entry in batch]
        signals, changes = signal_and_stage_figures(self.reader, ids, as_of, windows, TWO_WAY_SIGNAL_KINDS)
        raised = tickets_open_since(self.reader, ids, as_of, as_of)
        entries = []
        for _, lower, place, _, (key, what) in batch:
            contact_id, _, _, stage, since = key
            stage, since = stage_from(changes.get(contact_id, ()), stage, since and read_stored_time(since), as_of)
            figures = signals.get(contact_id)
            facts = ContactFacts(stage, since)
            if figures:
                facts.last_two_way, facts.last_signal = figures.last_two_way[0], figures.last[0]
                facts.signals_recent, facts.signals_earlier = figures.counts
            if tickets := raised.get(contact_id):
                facts.open_issues = open_issues(tickets, contact_id, as_of)
                facts = with_requests(facts, open_requests(tickets, contact_id, as_of), as_of)
            entries.append((-what.close_bound(facts, as_of), lower, place, CLOSE, contact_id))
        return entries

    def _exactly(self, batch: list[tuple]) -> list[tuple]:
        """Their attention items by the whole rules: each back in the queue with its own key (or gone: no item)."""
        rows = {row.contact.id: row for row in self.reader.contact_rows(ids=[entry[4] for entry in batch])}
        moments = [self.as_of, self.as_of - timedelta(days=HEALTH_DROP_WINDOW_DAYS)]
        found = book_facts(self.reader, [rows[entry[4]] for entry in batch], moments, evidence_kinds, self.book)
        entries = []
        for (_, lower, place, _, _), (row, now, later) in zip(batch, found, strict=True):
            item = attention_from_facts(row.contact, row.company.name if row.company else None, now, later[0],
                                        self.as_of)
            if item:
                entries.append((-item.urgency, lower, place, EXACT, item))
        return entries

    def _known(self, key: tuple) -> _Known:
        """What is known about a contact from their key (`contact_keys`) and the whole-book reads."""
        contact_id, _, company_id, stage = key[:4]
        steps = None if self.steps_due is None else self.steps_due.get(contact_id, 0)
        return _Known(self.ticket_points.get(contact_id, 0), contact_id in self.ticket_points,
                      company_id in self.book.services_at_risk, self.candidates.may_call_out(contact_id, stage), steps)


def _most_ticket_points(open_tickets, ageing: str) -> dict[int, int]:
    """Per contact with open problems (of these open tickets, `open_ticket_rows`), no fewer points than the ticket
    rule takes for them: it counts the days open on the local calendar, so one opened (as stored) by `ageing`, a
    day less than that before the moment, is taken as open that long."""
    points: dict[int, int] = {}
    for contact_id, subject, description, kind, priority, opened_at in open_tickets:
        if kind_of(kind, subject, description) == "issue":
            points[contact_id] = points.get(contact_id, 0) + issue_points(priority,
                                                                          ISSUE_AGEING_DAYS + (opened_at <= ageing))
    return {contact_id: min(MOST_TICKET_POINTS, total) for contact_id, total in points.items()}
