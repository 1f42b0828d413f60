"""The pending marker of events Kafka acknowledged, cleared a little later and many at once.

A tender is written with its event marked pending, the event is published, then the marker is
cleared (the MongoDB registry notes the event published, `TenderRegistry.clear_pending_many`),
so that an event a crash left unpublished goes out with the next push of its tender
(`TenderIntake._settled`). Clearing is bookkeeping: the tender is stored and its event
acknowledged before the publisher is answered, whether or not the marker is cleared yet. So the
single-tender path does not wait for it: the markers of the events published during `delay`
seconds are cleared in one write, off the request's path.

Until its marker is cleared, an event is known here as published, so a push of the same tender
meanwhile does not publish it again. What a crash (or a failed clear) leaves marked is published
again by the next push of that tender: at-least-once, as the consumers expect (their effects are
idempotent); it was already so for a crash between the acknowledgement and the clear.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

import structlog

from shared.events import TenderEvent

log = structlog.get_logger()
# How long a marker waits for others to be cleared with it: a few requests' worth at 50/s.
DELAY_SECONDS = 0.1


class ClearsPending(Protocol):
    async def clear_pending_many(self, events: list[TenderEvent]) -> None: ...


class PendingClears:
    def __init__(self, store: ClearsPending, delay: float = DELAY_SECONDS) -> None:
        self._store = store
        self._delay = delay
        self._queued: list[TenderEvent] = []
        self._published: set[str] = set()  # ids of queued events and of those being cleared
        self._later: asyncio.Task[None] | None = None

    def published(self, event: TenderEvent) -> None:
        """`event` was acknowledged by Kafka: its marker is cleared within `delay` seconds."""
        self._queued.append(event)
        self._published.add(str(event.event_id))
        if self._later is None or self._later.done():
            self._later = asyncio.get_running_loop().create_task(self._clear_later())

    def was_published(self, event: TenderEvent) -> bool:
        """Acknowledged by Kafka, its marker not cleared yet: not to be published again."""
        return str(event.event_id) in self._published

    async def drain(self) -> None:
        """Clear every marker queued so far, and wait for the clears already under way."""
        if self._later is not None:
            await self._later
        await self._clear()

    async def _clear_later(self) -> None:
        await asyncio.sleep(self._delay)
        await self._clear()

    async def _clear(self) -> None:
        while self._queued:
            events, self._queued = self._queued, []
            try:
                await self._store.clear_pending_many(events)
            except Exception as exc:  # a marker left only means a republish: logged, not raised
                log.warning(
                    "pending_markers_not_cleared",
                    events=len(events),
                    error=repr(exc)[:300],
                    next="each is published again by the next push of its tender",
                )
            finally:
                self._published.difference_update(str(event.event_id) for event in events)
