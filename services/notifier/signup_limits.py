"""Rate limits of the sign-up form: one token bucket per client address and one per email
address (`shared.token_bucket`). Pure: the caller says what time it is.

Held in memory by each notifier process: with N processes behind a load balancer a client gets
up to N times the rate, which still stops a script from turning the form into a mail cannon.
A bucket that has refilled is no different from a new one, so buckets untouched for longer than
a full refill are dropped now and then and memory stays bounded by recent traffic.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.token_bucket import TokenBucket

_SWEEP_EVERY = 1024


@dataclass
class KeyedLimit:
    """`burst` requests at once per key, then `per_hour` an hour."""

    per_hour: float
    burst: int
    _buckets: dict[str, tuple[TokenBucket, float]] = field(default_factory=dict)
    _calls: int = 0

    @property
    def _refill_seconds(self) -> float:
        return self.burst / (self.per_hour / 3600)

    def wait(self, key: str, now: float) -> float:
        """0 if `key` may go now (a token is spent), else the seconds until it may."""
        self._calls += 1
        if self._calls % _SWEEP_EVERY == 0:
            self._sweep(now)
        bucket, _ = self._buckets.get(key) or (
            TokenBucket(self.per_hour / 3600, self.burst, now),
            now,
        )
        self._buckets[key] = (bucket, now)
        return bucket.take(now)

    def _sweep(self, now: float) -> None:
        idle = self._refill_seconds
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < idle}

    def __len__(self) -> int:
        return len(self._buckets)


@dataclass
class SignupLimits:
    per_client: KeyedLimit
    per_address: KeyedLimit

    def client_wait(self, client: str, now: float) -> float:
        return self.per_client.wait(client, now)

    def address_wait(self, address: str, now: float) -> float:
        return self.per_address.wait(address, now)
