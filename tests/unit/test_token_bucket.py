import pytest

from shared.token_bucket import TokenBucket


def test_a_full_bucket_allows_its_burst_then_says_how_long_to_wait() -> None:
    bucket = TokenBucket(rate=4, burst=3, now=0.0)
    assert [bucket.take(0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take(0.0) == pytest.approx(0.25)


def test_a_refusal_spends_nothing() -> None:
    bucket = TokenBucket(rate=2, burst=1, now=0.0)
    assert bucket.take(0.0) == 0.0
    assert bucket.take(0.0) == pytest.approx(0.5)
    assert bucket.take(0.0) == pytest.approx(0.5)  # the same wait: the refusal took no token
    assert bucket.take(0.5) == 0.0


def test_waiting_part_of_the_way_shortens_the_wait() -> None:
    bucket = TokenBucket(rate=10, burst=1, now=0.0)
    bucket.take(0.0)
    assert bucket.take(0.04) == pytest.approx(0.06)


def test_an_idle_bucket_refills_to_its_burst_not_beyond() -> None:
    bucket = TokenBucket(rate=10, burst=2, now=0.0)
    bucket.take(0.0)
    bucket.take(0.0)
    assert [bucket.take(100.0) for _ in range(2)] == [0.0, 0.0]
    assert bucket.take(100.0) == pytest.approx(0.1)


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1, 1), (1, 0)])
def test_a_bucket_that_could_never_give_a_token_is_refused(rate: float, burst: int) -> None:
    with pytest.raises(ValueError, match="rate must be positive"):
        TokenBucket(rate, burst, now=0.0)
