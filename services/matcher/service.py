"""The matcher's use case: a tender event in, its match events stored then published.

Written against the protocols of matcher.ports, so it imports no I/O: the composition root
(matcher.bootstrap) gives it MongoDB and Kafka, the unit tests in-memory fakes.
"""

from __future__ import annotations

import time

import structlog

from matcher.catalogue import EnterpriseCatalogue
from matcher.decisions import plan_for
from matcher.ports import EnterpriseChanges, MatcherStore, MatchPublisher
from matcher.rules import Candidate
from shared.clock import Clock, utc_now
from shared.events import TenderEvent, TenderEventKind
from shared.kafka.coordinates import Coordinates

log = structlog.get_logger()


class TenderMatcher:
    """Matches tenders against the catalogue.

    `changes.catch_up()` is awaited before each tender, so a tender published right after a
    profile change sees that change. `clock` decides which tenders are still open.
    """

    def __init__(
        self,
        store: MatcherStore,
        publisher: MatchPublisher,
        changes: EnterpriseChanges,
        clock: Clock = utc_now,
    ) -> None:
        self._store = store
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
        """Match one tender event, read from Kafka at `at`."""
        tender = event.tender
        with structlog.contextvars.bound_contextvars(
            tender_uid=tender.uid, revision=tender.revision
        ):
            candidates, matches = await self._match(event)
            log.info(
                "tender_matched",
                kind=event.kind.value,
                candidates=candidates,
                matches=matches,
                **at.fields(),
            )

    async def _match(self, event: TenderEvent) -> tuple[int, int]:
        """Store then publish the event's matches; how many candidates and matches it had."""
        tender = event.tender
        await self._changes.catch_up()
        earlier = await self._store.earlier_matches(tender.uid, tender.revision)
        if event.kind == TenderEventKind.CANCELLED:
            # A cancellation reaches the earlier matches and evaluates no profile.
            candidates = [Candidate(e, frozenset()) for e in self.catalogue.known(earlier)]
        else:
            candidates = self.catalogue.candidates(tender)
        matches = plan_for(event, candidates, earlier, self._clock())
        # Stored before published: a crash in between republishes the same event ids.
        await self._store.record(matches)
        await self._publisher.publish(matches)
        return len(candidates), len(matches)
