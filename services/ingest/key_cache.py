"""Recently proven API keys, so that a publisher pushing 50 tenders a second costs one lookup of
its key every few seconds instead of one MongoDB query per request.

Only keys that were proven are remembered (a wrong key is checked every time, so guessing gains
nothing and fills nothing), each for `seconds` at most: a key disabled in the `publishers`
collection stops working within that bound. Keys are held as their SHA-256 digest, never in
clear. Pure, given a clock.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable, Callable

from ingest.publisher_scope import Publisher

Authenticate = Callable[[str], Awaitable[Publisher | None]]
# Distinct keys remembered at once; past it the oldest proof is forgotten (checked again).
MAX_KEYS = 1024


class RecentKeys:
    """An `Authenticate` that remembers, for `seconds`, the publisher each proven key belongs to."""

    def __init__(
        self,
        authenticate: Authenticate,
        seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._authenticate = authenticate
        self._seconds = seconds
        self._clock = clock
        self._proven: dict[bytes, tuple[float, Publisher]] = {}

    async def __call__(self, key: str) -> Publisher | None:
        digest = hashlib.sha256(key.encode()).digest()
        now = self._clock()
        remembered = self._proven.get(digest)
        if remembered is not None and remembered[0] > now:
            return remembered[1]
        publisher = await self._authenticate(key)
        self._proven.pop(digest, None)
        if publisher is not None and self._seconds > 0:
            if len(self._proven) >= MAX_KEYS:
                del self._proven[next(iter(self._proven))]
            self._proven[digest] = (now + self._seconds, publisher)
        return publisher
