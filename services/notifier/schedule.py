"""When a message goes out: cadence, digest times, quiet hours, the urgent exception. Pure.

Times of day are the enterprise's, in its IANA time zone, so a digest set for 8:00 stays at 8:00
across daylight-saving changes; everything returned is UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shared.enterprises import Cadence, Enterprise, Preferences, QuietHours
from shared.events import MatchEvent, MatchKind

URGENT_WINDOW = timedelta(hours=48)


def cadence_for(enterprise: Enterprise, profile_id: str) -> Cadence:
    profile = enterprise.profile(profile_id)
    if profile is not None and profile.cadence is not None:
        return Cadence(profile.cadence)
    return Cadence(enterprise.preferences.cadence)


def is_urgent(match: MatchEvent, now: datetime) -> bool:
    """A cancellation of a tender closing within 48 h: people may be finishing their bid."""
    return (
        match.kind == MatchKind.CANCELLED
        and match.tender.submission_deadline - now <= URGENT_WINDOW
    )


def _local(moment: datetime, timezone: str) -> datetime:
    return moment.astimezone(ZoneInfo(timezone))


def _at(day: datetime, hour_minute: time, timezone: str) -> datetime:
    """That local time of day on that local date, in UTC."""
    local = datetime.combine(day.date(), hour_minute, tzinfo=ZoneInfo(timezone))
    return local.astimezone(UTC)


def next_digest_at(
    preferences: Preferences, cadence: Cadence, timezone: str, now: datetime
) -> datetime:
    """The first digest time strictly after `now`."""
    local_now = _local(now, timezone)
    hour = time(preferences.digest_hour)
    for days in range(0, 9):
        day = local_now + timedelta(days=days)
        if cadence == Cadence.WEEKLY and day.isoweekday() != preferences.digest_weekday:
            continue
        candidate = _at(day, hour, timezone)
        if candidate > now:
            return candidate
    raise AssertionError("a digest time exists within 8 days")  # pragma: no cover


def quiet_until(quiet: QuietHours | None, timezone: str, now: datetime) -> datetime | None:
    """When the quiet hours around `now` end (UTC), or None if `now` is not in them."""
    if quiet is None:
        return None
    start, end = quiet.window()
    if start == end:
        return None
    local_now = _local(now, timezone)
    clock = local_now.time().replace(tzinfo=None)
    if start < end:  # within one day: 12:00–14:00
        inside = start <= clock < end
        end_day = local_now
    else:  # across midnight: 21:00–07:00
        inside = clock >= start or clock < end
        end_day = local_now + timedelta(days=1) if clock >= start else local_now
    return _at(end_day, end, timezone) if inside else None
