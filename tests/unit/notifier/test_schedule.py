"""Cadence, digest times and quiet hours in the enterprise's time zone."""

from __future__ import annotations

from datetime import timedelta

import pytest

from notifier.schedule import cadence_for, is_urgent, next_digest_at, quiet_until
from shared.enterprises import Cadence, Preferences, QuietHours
from shared.events import TenderEventKind
from tests.factories import make_enterprise
from tests.unit.notifier.builders import a_match, utc

TORONTO = "America/Toronto"
NIGHT = QuietHours(start="21:00", end="07:00")


def test_profile_cadence_overrides_the_enterprise_one() -> None:
    enterprise = make_enterprise(
        preferences={"cadence": "daily"},
        profiles=[{"id": "p1"}, {"id": "p2", "cadence": "instant"}],
    )
    assert cadence_for(enterprise, "p1") == Cadence.DAILY
    assert cadence_for(enterprise, "p2") == Cadence.INSTANT
    assert cadence_for(enterprise, "gone") == Cadence.DAILY


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (utc(2026, 11, 26, 12, 0), utc(2026, 11, 26, 13, 0)),  # 07:00 EST: today 08:00
        (utc(2026, 11, 26, 13, 0), utc(2026, 11, 27, 13, 0)),  # exactly 08:00: tomorrow
        (utc(2026, 11, 27, 4, 30), utc(2026, 11, 27, 13, 0)),  # 23:30 EST the day before
        (utc(2026, 3, 8, 6, 0), utc(2026, 3, 8, 12, 0)),  # DST starts: 08:00 is now UTC-4
    ],
)
def test_daily_digest_at_the_local_hour(now: object, expected: object) -> None:
    prefs = Preferences(cadence=Cadence.DAILY, digest_hour=8)
    assert next_digest_at(prefs, Cadence.DAILY, TORONTO, now) == expected  # type: ignore[arg-type]


def test_weekly_digest_on_the_chosen_day() -> None:
    prefs = Preferences(digest_hour=9, digest_weekday=1)  # Mondays 09:00
    thursday = utc(2026, 11, 26, 15, 0)
    assert next_digest_at(prefs, Cadence.WEEKLY, "Europe/Paris", thursday) == utc(2026, 11, 30, 8)
    monday_late = utc(2026, 11, 30, 8, 0)
    assert next_digest_at(prefs, Cadence.WEEKLY, "Europe/Paris", monday_late) == utc(2026, 12, 7, 8)


@pytest.mark.parametrize(
    ("local_hour", "minute", "ends"),
    [
        (22, 0, utc(2026, 11, 27, 12, 0)),  # 22:00 EST → 07:00 EST next day
        (3, 0, utc(2026, 11, 26, 12, 0)),  # 03:00 → 07:00 the same day
        (7, 0, None),
        (20, 59, None),
        (12, 0, None),
    ],
)
def test_quiet_hours_across_midnight(local_hour: int, minute: int, ends: object) -> None:
    now = utc(2026, 11, 26, 5, 0) + timedelta(hours=local_hour, minutes=minute)
    assert quiet_until(NIGHT, TORONTO, now) == ends


def test_quiet_hours_within_a_day_and_none() -> None:
    lunch = QuietHours(start="12:00", end="13:30")
    assert quiet_until(lunch, "UTC", utc(2026, 11, 26, 12, 45)) == utc(2026, 11, 26, 13, 30)
    assert quiet_until(lunch, "UTC", utc(2026, 11, 26, 13, 30)) is None
    assert quiet_until(None, "UTC", utc(2026, 11, 26, 3, 0)) is None


def test_only_a_cancellation_closing_within_48_hours_is_urgent() -> None:
    enterprise = make_enterprise()
    deadline = utc(2027, 1, 15, 19, 0)
    cancelled = a_match(enterprise, TenderEventKind.CANCELLED)
    new = a_match(enterprise)
    assert is_urgent(cancelled, deadline - timedelta(hours=47))
    assert not is_urgent(cancelled, deadline - timedelta(hours=49))
    assert not is_urgent(new, deadline - timedelta(hours=1))
