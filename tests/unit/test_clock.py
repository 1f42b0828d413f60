from datetime import UTC, datetime, timedelta

from shared.clock import Clock, utc_now


def test_utc_now_is_aware_utc_and_current() -> None:
    before = datetime.now(UTC)
    now = utc_now()
    assert now.tzinfo is UTC
    assert before <= now <= datetime.now(UTC) + timedelta(seconds=1)


def test_any_callable_returning_a_datetime_is_a_clock() -> None:
    frozen = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    clock: Clock = lambda: frozen  # noqa: E731 - a clock is just a callable
    assert clock() == frozen
