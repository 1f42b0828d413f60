"""A token bucket per publisher: a steady rate with a burst allowance. Pure, given a clock."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class RateLimiter:
    rate_per_second: float
    burst: int
    _buckets: dict[str, _Bucket] = field(default_factory=dict)

    def acquire(self, who: str, now: float) -> float:
        """0 if the request may go now, else the seconds to wait before the next one."""
        bucket = self._buckets.get(who)
        if bucket is None:
            bucket = self._buckets[who] = _Bucket(float(self.burst), now)
        bucket.tokens = min(
            float(self.burst), bucket.tokens + (now - bucket.updated) * self.rate_per_second
        )
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate_per_second
