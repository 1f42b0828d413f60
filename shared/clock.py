"""Wall-clock time as every service sees it: one type to inject, one default to inject.

Use cases take a `Clock` instead of calling `datetime.now`, so tests can hold time still or move
it; production passes `utc_now`. Every instant is timezone-aware and in UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current instant, aware, in UTC."""
    return datetime.now(UTC)
