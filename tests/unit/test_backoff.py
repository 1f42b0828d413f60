import pytest

from shared.backoff import Backoff


def test_the_ceiling_doubles_from_the_base_then_stays_at_the_cap() -> None:
    backoff = Backoff(base_seconds=0.5, cap_seconds=3.0)
    assert [backoff.ceiling(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_an_attempt_below_one_waits_as_the_first() -> None:
    assert Backoff(base_seconds=2.0, cap_seconds=10.0).ceiling(0) == 2.0


def test_full_jitter_draws_between_zero_and_the_ceiling() -> None:
    backoff = Backoff(base_seconds=1.0, cap_seconds=8.0)
    delays = [backoff.delay(4) for _ in range(500)]
    assert all(0 <= delay <= 8.0 for delay in delays)
    assert min(delays) < 2.0 < max(delays)  # spread over the range, not a fixed wait


def test_equal_jitter_waits_at_least_half_the_ceiling() -> None:
    backoff = Backoff(base_seconds=5.0, cap_seconds=300.0, least_share=0.5)
    delays = [backoff.delay(3) for _ in range(500)]
    assert all(10.0 <= delay <= 20.0 for delay in delays)


def test_never_longer_than_the_cap_however_many_failures() -> None:
    backoff = Backoff(base_seconds=1.0, cap_seconds=4.0)
    assert all(backoff.delay(200) <= 4.0 for _ in range(100))


def test_a_zero_backoff_never_waits() -> None:
    assert Backoff(base_seconds=0.0, cap_seconds=0.0).delay(3) == 0.0


@pytest.mark.parametrize(
    ("base", "cap", "share"), [(-1.0, 1.0, 0.0), (1.0, -1.0, 0.0), (1.0, 1.0, 1.5)]
)
def test_nonsense_bounds_are_refused(base: float, cap: float, share: float) -> None:
    with pytest.raises(ValueError, match="least_share"):
        Backoff(base_seconds=base, cap_seconds=cap, least_share=share)
