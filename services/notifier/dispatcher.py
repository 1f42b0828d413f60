"""The outbox loop: sends what is due, several at a time, and never waits on one failure.

The consumer records each message and wakes the loop, so an instant alert goes out at once; a
message that failed transiently is rescheduled in MongoDB with its backoff instead of being slept
on, so other enterprises' messages keep flowing. The loop also polls, which picks up retries,
deferrals and what another notifier copy left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial

import structlog

from shared.clock import Clock

log = structlog.get_logger()


class Dispatcher:
    def __init__(
        self,
        due: Callable[[datetime, int], Awaitable[list[str]]],
        attempt: Callable[[str], Awaitable[None]],
        clock: Clock,
        *,
        concurrency: int = 16,
        poll_seconds: float = 1.0,
    ) -> None:
        self._due = due
        self._attempt = attempt
        self._clock = clock
        self._concurrency = concurrency
        self._poll = poll_seconds
        self._wake = asyncio.Event()
        self._in_flight: dict[str, asyncio.Task[None]] = {}
        self._slots = asyncio.Semaphore(concurrency)
        self._loop: asyncio.Task[None] | None = None
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    async def submit(self, key: str, run: Callable[[], Awaitable[None]]) -> None:
        """Run a send the caller already leased, without a round trip through the outbox query.

        Waits for a free slot, which slows the consumer down when sending falls behind. Once
        stopping, it does nothing: the lease expires and the poll of a running copy sends it.
        """
        if self._stopping:
            return
        await self._slots.acquire()
        self._in_flight[key] = asyncio.create_task(self._one(key, run))

    def start(self) -> None:
        self._loop = asyncio.create_task(self._run())

    def has_ended(self) -> bool:
        """The outbox loop was started and is no more (for /health/live)."""
        return self._loop is not None and self._loop.done() and not self._stopping

    async def stop(self) -> None:
        """Stop polling, and let the sends in flight finish so none is left half-recorded."""
        self._stopping = True
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
        if self._in_flight:
            await asyncio.gather(*self._in_flight.values(), return_exceptions=True)

    async def _run(self) -> None:
        failures = 0  # polls failed in a row
        while True:
            self._wake.clear()
            try:
                more = await self._dispatch_due()
                failures = 0
            except Exception as exc:  # MongoDB away: log, wait, try again
                failures += 1
                log.error(
                    "dispatch_failed",
                    operation="read the due deliveries of the outbox",
                    collection="outbox",
                    attempt=failures,
                    error=repr(exc)[:300],
                    next=f"polled again in {self._poll:g} s",
                )
                more = False
            if not more:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._poll)

    async def _dispatch_due(self) -> bool:
        """Start a send per due key, at most `concurrency` at once; True if more may be due."""
        limit = self._concurrency * 4
        keys = await self._due(self._clock(), limit)
        fresh = [key for key in keys if key not in self._in_flight]
        for key in fresh:
            await self._slots.acquire()  # waits while every slot is busy
            self._in_flight[key] = asyncio.create_task(self._one(key, partial(self._attempt, key)))
        return len(fresh) == limit

    async def _one(self, key: str, run: Callable[[], Awaitable[None]]) -> None:
        try:
            await run()
        except Exception as exc:  # the lease expires and the message is tried again
            log.error(
                "delivery_attempt_crashed",
                operation="send a delivery",
                key=key,
                error=repr(exc)[:300],
                next="its lease expires and the outbox poll sends it again",
            )
        finally:
            self._slots.release()
            self._in_flight.pop(key, None)
