"""Pacing sends per provider: providers cap how fast they accept, and punish who exceeds it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from shared.token_bucket import TokenBucket


class Throttle:
    """`rate` sends per second on average, bursts of up to `burst`. Waiters queue fairly."""

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._bucket = TokenBucket(rate, burst, clock())
        self._clock = clock
        self._sleep = sleep
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Return once a send may go, having waited as long as the bucket asks."""
        async with self._lock:  # one waiter at a time, in arrival order
            while (wait := self._bucket.take(self._clock())) > 0:
                await self._sleep(wait)
