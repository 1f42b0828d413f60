"""The matcher's use case: a tender event in, its match events stored then published."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import structlog

from matcher.catalogue import EnterpriseCatalogue
from matcher.decisions import plan_matches
from matcher.store import MatcherStore
from shared.events import MatchEvent, TenderEvent, TenderEventKind

log = structlog.get_logger()

Clock = Callable[[], datetime]
MIN_FORCED_SECONDS = 0.25


def utc_now() -> datetime:
    return datetime.now(UTC)


class TenderMatcher:
    def __init__(
        self,
        store: MatcherStore,
        publish: Callable[[MatchEvent], Awaitable[None]],
        clock: Clock = utc_now,
        refresh_seconds: float = 2.0,
    ) -> None:
        self._store = store
        self._publish = publish
        self._clock = clock
        self._refresh_seconds = refresh_seconds
        self._polled_at = float("-inf")
        self._polled_wall: datetime | None = None
        self.catalogue = EnterpriseCatalogue()

    async def refresh(self, *, force: bool = False, for_event_at: datetime | None = None) -> None:
        """Bring the catalogue up to date with MongoDB, at most every `refresh_seconds` — or
        sooner (but at most every MIN_FORCED_SECONDS) for an event that happened after the last
        poll began, so a tender published right after a profile change still sees it."""
        since_poll = time.monotonic() - self._polled_at
        newer = for_event_at is not None and (
            self._polled_wall is None or for_event_at > self._polled_wall
        )
        due = since_poll >= self._refresh_seconds or (newer and since_poll >= MIN_FORCED_SECONDS)
        if not force and not due:
            return
        self._polled_at = time.monotonic()
        self._polled_wall = datetime.now(UTC)
        if self.catalogue.seen_until is None or self.catalogue.needs_full_reload():
            enterprises, newest = await self._store.enterprises_changed_since(None)
            self.catalogue.replace_all(enterprises, newest)
            log.info("catalogue_loaded", enterprises=len(self.catalogue))
            return
        changed, newest = await self._store.enterprises_changed_since(self.catalogue.seen_until)
        if count := self.catalogue.apply(changed, newest):
            log.info("catalogue_refreshed", changed=count, enterprises=len(self.catalogue))

    async def handle(self, event: TenderEvent) -> None:
        tender = event.tender
        structlog.contextvars.bind_contextvars(tender_uid=tender.uid, revision=tender.revision)
        await self.refresh(for_event_at=event.occurred_at)
        earlier = await self._store.earlier_matches(tender.uid, tender.revision)
        if event.kind == TenderEventKind.CANCELLED:
            enterprises = self.catalogue.known(earlier)
        else:
            enterprises = self.catalogue.candidates(tender)
        matches = plan_matches(event, enterprises, earlier, self._clock())
        for match in matches:
            # Stored before published: a crash in between republishes the same event id.
            await self._store.record(match)
            await self._publish(match)
        log.info(
            "tender_matched",
            kind=event.kind.value,
            candidates=len(enterprises),
            matches=len(matches),
        )
