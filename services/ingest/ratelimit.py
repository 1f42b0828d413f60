"""A token bucket per publisher: a steady rate with a burst allowance. Pure, given a clock."""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.token_bucket import TokenBucket


@dataclass
class RateLimiter:
    rate_per_second: float
    burst: int
    _buckets: dict[str, TokenBucket] = field(default_factory=dict)

    def acquire(self, who: str, now: float) -> float:
        """0 if the request may go now, else the seconds to wait before the next one."""
        bucket = self._buckets.get(who)
        if bucket is None:
            bucket = self._buckets[who] = TokenBucket(self.rate_per_second, self.burst, now)
        return bucket.take(now)
