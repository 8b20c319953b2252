"""The few who need attention most in a book of any size, without reading everyone in full.

`rank_book_attention` reads every contact's figures; `top_attention` gives the same first `limit` items
by reading only the contacts who could be among them. Each contact has a key, (-urgency, lower-case
name, position in the list): the items are the smallest keys. A bound on a contact's urgency gives a key
no larger than theirs, so a contact whose bound key is larger than the `limit`-th item found cannot rank.
Three levels, each dearer and closer than the one before, are read only while they could still rank:
1. for everyone, from a few small reads (open tickets, overdue steps, services at risk, the recorded stage
   and since when, where the stage history agrees): everything else assumed at its worst;
2. a batch at a time, from their signals, stage history and open tickets: all but the meetings, the overdue
   steps and the services at risk;
3. a batch at a time, the whole rules (`attention_from_facts` over `book_facts`).
"""

from __future__ import annotations

import heapq
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from custview.insight.attention import (HEALTH_DROP_URGENCY, HEALTH_DROP_WINDOW_DAYS, NOT_A_REASON_AT,
                                        READINESS_URGENCY, AttentionItem, attention_from_facts)
from custview.cycles import cycle_collection_paused
from custview.insight.facts import (EARLIER_DAYS, RECENT_DAYS, TWO_WAY_SIGNAL_KINDS, ContactFacts, book_facts,
                                    open_issues, open_requests, stage_from, with_requests)
from custview.dates import stored_time
from custview.insight.health import (TYPICAL_STAGE_DAYS, most_points_lost, quiet_rule, stalled_rule, ticket_rule,
                                     trend_rule)
from custview.insight.readiness import evidence_filter, possible_directions
from custview.stages import Stage

if TYPE_CHECKING:
    from custview.db.reader import Reader

LOOSE, CLOSE, EXACT = 0, 1, 2  # how much is known about a contact in the queue
RULES = ("quiet", "trend", "tickets", "overdue", "stalled", "service")  # the health rules that cost points
BATCHES = {LOOSE: 500, CLOSE: 100}  # contacts read together at each level


def top_attention(reader: Reader, as_of: datetime, limit: int, **filters) -> list[AttentionItem]:
    """The `limit` most urgent of the contacts `filters` pick (`custview.db.aggregates.contact_keys`), exactly
    as `rank_book_attention` ranks them, reading in full only those who could be among them."""
    from custview.db.aggregates import BookAggregates, contact_keys, open_ticket_counts, stage_maybe_not_recorded

    book = BookAggregates.for_book(reader, as_of)
    tickets = open_ticket_counts(reader, as_of)
    unsure = stage_maybe_not_recorded(reader, as_of)
    # Not stalled for sure: in the stage since a day less than it typically takes (moments compared as stored).
    fresh_since = {stage.value: stored_time(as_of - timedelta(days=days - 1)) for stage, days in TYPICAL_STAGE_DAYS.items()}
    def known(contact_id: int, company_id: int | None) -> _Known:
        return _Known(tickets.get(contact_id, 0), len(book.steps.get(contact_id, ())),
                      company_id in book.services_at_risk)

    loose, bounds = [], {}
    for position, (contact_id, name, company_id, stage, since) in enumerate(contact_keys(reader, **filters)):
        sure = contact_id not in unsure and stage in fresh_since
        could_be_stalled = not sure or (since is not None and since < fresh_since[stage])
        what = known(contact_id, company_id)
        figures = (what.open_tickets, what.overdue_steps, what.service_at_risk, stage if sure else None, could_be_stalled)
        if (bound := bounds.get(figures)) is None:  # the same few figures recur across a book
            bound = bounds[figures] = what.loose_bound(Stage.parse(stage) if sure else None, could_be_stalled)
        loose.append((-bound, name.lower(), position, LOOSE, contact_id))
    loose.sort(reverse=True)  # the best last, to be taken from the end
    queue: list = []  # closer bounds and found items: a heap
    found: list[AttentionItem] = []
    with cycle_collection_paused():
        while len(found) < limit and (queue or loose):
            if loose and (not queue or loose[-1] < queue[0]):
                batch = [loose.pop() for _ in range(min(BATCHES[LOOSE], len(loose)))]
                _read_closer(reader, batch, known, as_of, queue)
            elif queue[0][3] == EXACT:
                found.append(heapq.heappop(queue)[4])
            else:
                batch = []
                while queue and queue[0][3] == CLOSE and len(batch) < BATCHES[CLOSE]:
                    batch.append(heapq.heappop(queue))
                _read_exactly(reader, batch, as_of, book, queue)
    return found


class _Known:
    """What is known about a contact before their signals are read."""

    __slots__ = ("open_tickets", "overdue_steps", "service_at_risk")

    def __init__(self, open_tickets: int, overdue_steps: int, service_at_risk: bool):
        self.open_tickets = open_tickets
        self.overdue_steps, self.service_at_risk = overdue_steps, service_at_risk

    def loose_bound(self, stage: Stage | None, could_be_stalled: bool) -> int:
        """The most urgency they could have at this stage (None: any), whatever their signals."""
        rules = [rule for rule in RULES if (stage is None or rule not in NOT_A_REASON_AT.get(stage, ()))
                 and (could_be_stalled or rule != "stalled")]
        lost = most_points_lost(self.open_tickets, self.overdue_steps, self.service_at_risk, tuple(rules))
        return self._with_extras(min(100, lost), stage, None, None)

    def close_bound(self, facts: ContactFacts, as_of: datetime) -> int:
        """The most urgency they could have, from `facts` holding all but their meetings, overdue steps and
        services at risk: meetings could only make them less quiet (but "gone quiet" rather than "no two-way
        touch"), the others are taken at their worst."""
        rules = [rule for rule in RULES if rule not in NOT_A_REASON_AT.get(facts.stage, ())]
        at_worst = [rule for rule in rules if rule in ("overdue", "service")
                    or (rule == "quiet" and facts.last_two_way is None)]
        lost = most_points_lost(self.open_tickets, self.overdue_steps, self.service_at_risk, tuple(at_worst))
        for rule in (quiet_rule, trend_rule, ticket_rule, stalled_rule):
            reason = rule(facts, as_of)
            if reason and reason.rule in rules and reason.rule not in at_worst:
                lost -= min(reason.points, 0)
        return self._with_extras(min(100, lost), facts.stage, facts.signals_recent,
                                 facts.signals_recent + facts.signals_earlier, bool(facts.open_issues))

    def _with_extras(self, health_urgency: int, stage: Stage | None, recent: int | None, in_window: int | None,
                     open_issues: bool | None = None) -> int:
        stages = [stage] if stage is not None else list(Stage)
        issues = bool(self.open_tickets) if open_issues is None else open_issues
        readiness = max((READINESS_URGENCY[d] for s in stages
                         for d in possible_directions(s, issues, recent, in_window)), default=0)
        return health_urgency + readiness + HEALTH_DROP_URGENCY


def _read_closer(reader: Reader, batch: list[tuple], known, as_of: datetime, queue: list) -> None:
    """Their signal figures and stage history: each back in the queue with a closer bound."""
    from custview.db.aggregates import signal_and_stage_figures

    windows = [(as_of - timedelta(days=RECENT_DAYS), as_of), (as_of - timedelta(days=EARLIER_DAYS),
                                                             as_of - timedelta(days=RECENT_DAYS))]
    ids = [entry[4] for entry in batch]
    signals, changes, recorded, tickets = signal_and_stage_figures(reader, ids, as_of, windows, TWO_WAY_SIGNAL_KINDS)
    for _, name, position, _, contact_id in batch:
        stage, since, company_id = recorded[contact_id]
        stage, since = stage_from(changes.get(contact_id, ()), stage, since, as_of)
        figures = signals.get(contact_id)
        facts = ContactFacts(stage, since)
        if figures:
            facts.last_two_way, facts.last_signal = figures.last_two_way[0], figures.last[0]
            facts.signals_recent, facts.signals_earlier = figures.counts
        if raised := tickets.get(contact_id):
            facts.open_issues = open_issues(raised, contact_id, as_of)
            facts = with_requests(facts, open_requests(raised, contact_id, as_of), as_of)
        heapq.heappush(queue, (-known(contact_id, company_id).close_bound(facts, as_of), name, position, CLOSE,
                               contact_id))


def _read_exactly(reader: Reader, batch: list[tuple], as_of: datetime, book, queue: list) -> None:
    """Their attention items by the whole rules: each back in the queue with its own key (or gone: no item)."""
    rows = {row.contact.id: row for row in reader.contact_rows(ids=[entry[4] for entry in batch])}
    moments = [as_of, as_of - timedelta(days=HEALTH_DROP_WINDOW_DAYS)]
    found = book_facts(reader, [rows[entry[4]] for entry in batch], moments, evidence_filter, book)
    for (_, name, position, _, _), (row, now, later) in zip(batch, found, strict=True):
        item = attention_from_facts(row.contact, row.company.name if row.company else None, now, later[0], as_of)
        if item:
            heapq.heappush(queue, (-item.urgency, name, position, EXACT, item))
