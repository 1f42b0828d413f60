"""The matcher's use case: a tender event in, its match events stored then published."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import structlog

from matcher.decisions import plan_matches
from matcher.store import MatcherStore
from shared.events import MatchEvent, TenderEvent

log = structlog.get_logger()

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class TenderMatcher:
    def __init__(
        self,
        store: MatcherStore,
        publish: Callable[[MatchEvent], Awaitable[None]],
        clock: Clock = utc_now,
    ) -> None:
        self._store = store
        self._publish = publish
        self._clock = clock

    async def handle(self, event: TenderEvent) -> None:
        tender = event.tender
        structlog.contextvars.bind_contextvars(tender_uid=tender.uid, revision=tender.revision)
        enterprises = await self._store.active_enterprises()
        earlier = await self._store.earlier_matches(tender.uid, tender.revision)
        matches = plan_matches(event, enterprises, earlier, self._clock())
        for match in matches:
            # Stored before published: a crash in between republishes the same event id.
            await self._store.record(match)
            await self._publish(match)
        log.info(
            "tender_matched",
            kind=event.kind.value,
            enterprises=len(enterprises),
            matches=len(matches),
        )
