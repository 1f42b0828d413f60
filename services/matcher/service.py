"""The matcher's use case: a tender event in, its match events stored then published.

Written against the protocols of matcher.ports, so it imports no I/O: the composition root
(matcher.bootstrap) gives it MongoDB and Kafka, the unit tests in-memory fakes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext

import structlog

from matcher.catalogue import EnterpriseCatalogue
from matcher.decisions import plan_for
from matcher.history import Entry, earlier_of, entries_of
from matcher.ports import EnterpriseChanges, MatcherStore, MatchPublisher
from matcher.rules import Candidate
from shared.clock import Clock, utc_now
from shared.events import MatchEvent, TenderEvent, TenderEventKind
from shared.kafka.coordinates import Consumed, Coordinates

log = structlog.get_logger()


class TenderMatcher:
    """Matches tenders against the catalogue.

    `changes.catch_up()` is awaited before each batch of tenders, so a tender published right
    after a profile change sees that change. `clock` decides which tenders are still open.
    `in_trace_of(tender uid)` is entered around what is logged for a tender of a batch, so its
    lines carry that tender's trace (shared.tracing.record_trace, given by the composition root).
    """

    def __init__(
        self,
        store: MatcherStore,
        publisher: MatchPublisher,
        changes: EnterpriseChanges,
        clock: Clock = utc_now,
        in_trace_of: Callable[[str], AbstractContextManager[object]] = lambda uid: nullcontext(),
    ) -> None:
        self._store = store
        self._in_trace_of = in_trace_of
        self._publisher = publisher
        self._clock = clock
        self._changes = changes
        self._changed_while_loading: set[str] | None = None
        self.catalogue = EnterpriseCatalogue()

    async def load_all(self) -> None:
        """Load every enterprise. Changes applied while the load reads are applied again after
        it, since the load may have read those enterprises before they changed."""
        self._changed_while_loading = set()
        started = time.monotonic()
        try:
            enterprises = await self._store.all_enterprises()
            self.catalogue.replace_all(enterprises)
            again = sorted(self._changed_while_loading)
        finally:
            self._changed_while_loading = None
        if again:
            await self.apply_changes(again)
        took = time.monotonic() - started
        log.info("catalogue_loaded", enterprises=len(self.catalogue), seconds=round(took, 3))

    async def apply_changes(self, enterprise_ids: list[str]) -> None:
        """Apply announced enterprise changes, reading each enterprise as it is now."""
        if self._changed_while_loading is not None:
            self._changed_while_loading.update(enterprise_ids)
        found = await self._store.enterprises(enterprise_ids)
        if count := self.catalogue.apply(enterprise_ids, found):
            log.info("catalogue_changed", changed=count, enterprises=len(self.catalogue))

    async def handle(self, event: TenderEvent, at: Coordinates) -> None:
        """Match one tender event, read from Kafka at `at`: a batch of one."""
        await self.handle_batch([Consumed(event, at)])

    async def handle_batch(self, batch: Sequence[Consumed[TenderEvent]]) -> None:
        """Match tender events read together, in their order, so a later revision of a tender
        sees the matches of an earlier one in the same batch. The batch costs one catch-up with
        the enterprise changes, one read of the tenders' match history, one write of all their
        matches and one publication, instead of as many per tender."""
        await self._changes.catch_up()
        history = await self._store.match_history([c.event.tender.uid for c in batch])
        planned: list[MatchEvent] = []
        outcomes: list[tuple[Consumed[TenderEvent], int, int]] = []
        for consumed in batch:
            candidates, matches = self._plan(consumed.event, history)
            planned += matches
            outcomes.append((consumed, candidates, len(matches)))
        # Stored before published: a crash in between republishes the same event ids.
        await self._store.record(planned)
        await self._publisher.publish(planned)
        for consumed, candidates, matched in outcomes:
            tender = consumed.event.tender
            with self._in_trace_of(tender.uid):
                self._log_matched(consumed, candidates, matched)

    @staticmethod
    def _log_matched(consumed: Consumed[TenderEvent], candidates: int, matched: int) -> None:
        tender = consumed.event.tender
        log.info(
            "tender_matched",
            tender_uid=tender.uid,
            revision=tender.revision,
            kind=consumed.event.kind.value,
            candidates=candidates,
            matches=matched,
            **consumed.at.fields(),
        )

    def _plan(
        self, event: TenderEvent, history: dict[str, list[Entry]]
    ) -> tuple[int, list[MatchEvent]]:
        """The event's matches and how many candidates it had; its entries join `history`."""
        tender = event.tender
        entries = history.setdefault(tender.uid, [])
        earlier = earlier_of(entries, tender.revision)
        if event.kind == TenderEventKind.CANCELLED:
            # A cancellation reaches the earlier matches and evaluates no profile.
            candidates = [Candidate(e, frozenset()) for e in self.catalogue.known(earlier)]
        else:
            candidates = self.catalogue.candidates(tender)
        matches = plan_for(event, candidates, earlier, self._clock())
        entries += entries_of(matches)
        return len(candidates), matches
