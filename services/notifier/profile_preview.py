""" "This profile would have caught N calls in the last 90 days": the preview of a profile.

Pure. The verdict is the matcher's own (`matcher.rules.evaluate_profile`, the function that
decides each profile's fit for live tenders), run over the calls published in the window. The
enterprise's eligibility at the time (verified, reachable, deadline still open, kind of
reservation) is not judged again: the preview answers what the profile's rules catch.

Tenders come through `RecentTenders`, which bounds its work (see `recent_tenders.py`): when it
stops early the preview says it is a lower bound (`complete` is False).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from matcher.rules import evaluate_profile
from shared.enterprises import AlertProfile
from shared.events import Tender

PREVIEW_DAYS = 90
SHOWN = 5


@dataclass(frozen=True)
class RecentRead:
    tenders: list[Tender]
    complete: bool  # False: the reader stopped at its bound; older calls were not read


class RecentTenders(Protocol):
    async def published_since(self, since: datetime) -> RecentRead:
        """Calls published at or after `since`, newest first, as many as the bound allows."""
        ...


@dataclass(frozen=True)
class Preview:
    days: int
    count: int
    read: int
    complete: bool
    caught: list[Tender]  # the newest few caught, newest first


def window_start(now: datetime, days: int = PREVIEW_DAYS) -> datetime:
    return now - timedelta(days=days)


def preview(
    profile: AlertProfile,
    recent: RecentRead,
    since: datetime,
    language: str,
    days: int = PREVIEW_DAYS,
    shown: int = SHOWN,
) -> Preview:
    """How many of the calls read since `since` the profile catches, and the newest few."""
    window = [t for t in recent.tenders if t.published_at >= since]
    caught = [t for t in _newest_first(window) if evaluate_profile(profile, t, language)]
    return Preview(days, len(caught), len(window), recent.complete, caught[:shown])


def _newest_first(tenders: Iterable[Tender]) -> list[Tender]:
    return sorted(tenders, key=lambda tender: tender.published_at, reverse=True)
