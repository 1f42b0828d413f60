"""Outcomes recorded together: many sends settled by a few writes.

Every sent alert ends with the same two writes — its record's outcome, its outbox entry gone —
and one event on `vigie.deliveries.v1`. Done one by one, those round trips (and the engine's
write lock) take longer than the send. The settler gathers the outcomes that arrive while it
writes, records them as one `update_many` per kind of outcome and one `delete_many` on the
outbox (all by `_id $in`) and answers each caller — when `settle` returns, the outcome is
durable — then publishes their events together, aside, so that a broker outage never holds back
the record that stops a message from being sent twice. A crash before that leaves leases
that expire: the messages are sent again (at-least-once; the Message-ID folds them).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

import structlog

from notifier.delivery import Outcome
from notifier.ports import OutcomeStore, Publish
from shared.clock import Clock
from shared.events import DeliveryEvent
from shared.mongo import retrying

log = structlog.get_logger()


@dataclass
class _Pending:
    outcome: Outcome
    event: DeliveryEvent | None
    done: asyncio.Future[None]


class Settler:
    def __init__(
        self, store: OutcomeStore, publish: Publish, clock: Clock, *, max_batch: int = 500
    ) -> None:
        self._store = store
        self._publish = publish
        self._clock = clock
        self._max_batch = max_batch
        self._queue: list[_Pending] = []
        self._arrived = asyncio.Event()
        self._loop: asyncio.Task[None] | None = None
        self._publishing: set[asyncio.Task[None]] = set()

    async def settle(self, outcome: Outcome, event: DeliveryEvent | None) -> None:
        """Record the outcome and publish its event; returns once both are done."""
        if self._loop is None or self._loop.done():
            await self._write(
                [_Pending(outcome, event, asyncio.get_running_loop().create_future())]
            )
            return
        pending = _Pending(outcome, event, asyncio.get_running_loop().create_future())
        self._queue.append(pending)
        self._arrived.set()
        await pending.done

    def start(self) -> None:
        self._loop = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Write what is queued, then stop."""
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
            self._loop = None
        while self._queue:
            batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch :]
            await self._write(batch)
        if self._publishing:
            await asyncio.gather(*self._publishing, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            await self._arrived.wait()
            self._arrived.clear()
            while self._queue:
                batch = self._queue[: self._max_batch]
                self._queue = self._queue[self._max_batch :]
                await self._write(batch, aside=True)

    async def _write(self, batch: list[_Pending], aside: bool = False) -> None:
        """Record the batch's outcomes, answer its senders, then publish its events — `aside`
        (the running loop), so the next batches are recorded meanwhile: the record is what
        stops a message from being sent again, so it never waits on Kafka (a broker down for
        longer than the lease would otherwise have the messages sent twice)."""
        try:
            outcomes = [p.outcome for p in batch]
            await retrying(lambda: self._store.settle_many(outcomes, self._clock()))
        except Exception as exc:  # each caller sees the failure; their leases will expire
            log.error(
                "settle_failed",
                operation="record delivery outcomes (deliveries, outbox)",
                size=len(batch),
                keys=[p.outcome.key for p in batch[:5]],
                error=repr(exc)[:300],
                next="each sender sees the failure; its lease expires and it is sent again",
            )
            for pending in batch:
                if not pending.done.done():
                    pending.done.set_exception(exc)
            return
        for pending in batch:
            if not pending.done.done():
                pending.done.set_result(None)
        events = [p.event for p in batch if p.event is not None]
        if events and not aside:
            await self._publish_events(events)
        elif events:
            task = asyncio.create_task(self._publish_events(events))
            self._publishing.add(task)
            task.add_done_callback(self._publishing.discard)

    async def _publish_events(self, events: list[DeliveryEvent]) -> None:
        try:
            await asyncio.gather(*(self._publish(event) for event in events))
        except Exception as exc:  # the outcomes are recorded; only the ops events are missing
            log.error(
                "delivery_events_not_published",
                operation="publish delivery outcomes to vigie.deliveries.v1",
                size=len(events),
                keys=[event.idempotency_key for event in events[:5]],
                error=repr(exc)[:300],
                next="the outcomes are recorded in deliveries; these events are not sent again",
            )
