"""Capped exponential backoff with jitter: how long to wait before trying again.

The n-th wait (n counts from 1) is drawn uniformly from `[least_share × c, c]`, where
`c = min(cap_seconds, base_seconds × 2^(n-1))`. With `least_share=0` (full jitter) retries
of many clients spread out most; `least_share=0.5` (equal jitter) also promises at least half
the ceiling, for a source that must be left alone for a while. Never above `cap_seconds`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    base_seconds: float
    cap_seconds: float
    least_share: float = 0.0

    def __post_init__(self) -> None:
        if self.base_seconds < 0 or self.cap_seconds < 0 or not 0 <= self.least_share <= 1:
            raise ValueError("base and cap must be >= 0 and least_share within [0, 1]")

    def ceiling(self, attempt: int) -> float:
        """The longest wait after the `attempt`-th failure (1 for the first)."""
        return min(self.cap_seconds, self.base_seconds * 2.0 ** max(0, attempt - 1))

    def delay(self, attempt: int) -> float:
        """A wait after the `attempt`-th failure, jittered within its bounds."""
        ceiling = self.ceiling(attempt)
        return random.uniform(ceiling * self.least_share, ceiling)  # noqa: S311 - jitter, not cryptography
