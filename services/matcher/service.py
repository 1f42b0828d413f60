"""The matcher's use case: a tender event in, its match events stored then published."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

import structlog

from matcher.catalogue import EnterpriseCatalogue
from matcher.decisions import plan_matches
from matcher.store import MatcherStore
from shared.events import MatchEvent, TenderEvent, TenderEventKind

log = structlog.get_logger()

Clock = Callable[[], datetime]
PublishMatches = Callable[[Sequence[MatchEvent]], Awaitable[None]]
CatchUp = Callable[[], Awaitable[object]]


def utc_now() -> datetime:
    return datetime.now(UTC)


async def _caught_up() -> bool:
    return True


class TenderMatcher:
    """Matches tenders against the catalogue.

    `catch_up` returns once every enterprise change announced so far is applied: called before
    each tender, it makes a tender published right after a profile change see that change.
    """

    def __init__(
        self,
        store: MatcherStore,
        publish: PublishMatches,
        clock: Clock = utc_now,
        catch_up: CatchUp = _caught_up,
    ) -> None:
        self._store = store
        self._publish = publish
        self._clock = clock
        self._catch_up = catch_up
        self._changed_while_loading: set[str] | None = None
        self.catalogue = EnterpriseCatalogue()

    async def load_all(self) -> None:
        """Load every enterprise. Changes applied while the load reads are applied again after
        it, since the load may have read those enterprises before they changed."""
        self._changed_while_loading = set()
        started = datetime.now(UTC)
        try:
            enterprises = await self._store.all_enterprises()
            self.catalogue.replace_all(enterprises)
            again = sorted(self._changed_while_loading)
        finally:
            self._changed_while_loading = None
        if again:
            await self.apply_changes(again)
        took = (datetime.now(UTC) - started).total_seconds()
        log.info("catalogue_loaded", enterprises=len(self.catalogue), seconds=round(took, 3))

    async def apply_changes(self, enterprise_ids: list[str]) -> None:
        """Apply announced enterprise changes, reading each enterprise as it is now."""
        if self._changed_while_loading is not None:
            self._changed_while_loading.update(enterprise_ids)
        found = await self._store.enterprises(enterprise_ids)
        if count := self.catalogue.apply(enterprise_ids, found):
            log.info("catalogue_changed", changed=count, enterprises=len(self.catalogue))

    async def handle(self, event: TenderEvent) -> None:
        tender = event.tender
        structlog.contextvars.bind_contextvars(tender_uid=tender.uid, revision=tender.revision)
        await self._catch_up()
        earlier = await self._store.earlier_matches(tender.uid, tender.revision)
        if event.kind == TenderEventKind.CANCELLED:
            enterprises = self.catalogue.known(earlier)
        else:
            enterprises = self.catalogue.candidates(tender)
        matches = plan_matches(event, enterprises, earlier, self._clock())
        # Stored before published: a crash in between republishes the same event ids.
        await self._store.record(matches)
        await self._publish(matches)
        log.info(
            "tender_matched",
            kind=event.kind.value,
            candidates=len(enterprises),
            matches=len(matches),
        )
