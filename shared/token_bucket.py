"""A token bucket: a steady rate with a burst allowance. Pure: the caller says what time it is.

The bucket starts full (`burst` tokens) and refills at `rate` tokens a second, never beyond
`burst`. `take(now)` either spends a token at once or says how long until one will be there,
spending nothing; `now` is any monotonic reading in seconds, never going back. Used both to
refuse a publisher that goes too fast (ingest) and to pace sends to a provider (notifier).
"""

from __future__ import annotations


class TokenBucket:
    def __init__(self, rate: float, burst: int, now: float) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self._rate = rate
        self._burst = float(burst)
        self._tokens = float(burst)
        self._updated = now

    def take(self, now: float) -> float:
        """0 if a token was spent, else the seconds until one is there (nothing spent)."""
        self._tokens = min(self._burst, self._tokens + (now - self._updated) * self._rate)
        self._updated = now
        if self._tokens >= 1:
            self._tokens -= 1
            return 0.0
        return (1 - self._tokens) / self._rate
