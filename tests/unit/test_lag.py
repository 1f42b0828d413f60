from vigie.lag import (
    CommitSample,
    PartitionOffsets,
    dead_letter_depth,
    is_dead_letter_topic,
    lag_messages,
    lag_seconds,
    next_offset,
    throughput,
)


def at(committed: int | None, log_start: int = 0, end: int = 10) -> PartitionOffsets:
    return PartitionOffsets("g", "t", 0, committed, log_start, end)


def test_lag_is_what_lies_between_the_commit_and_the_end_of_the_log() -> None:
    assert lag_messages(at(committed=4, end=10)) == 6
    assert lag_messages(at(committed=10, end=10)) == 0


def test_a_partition_never_committed_on_is_read_from_its_log_start() -> None:
    assert next_offset(at(committed=None, log_start=3)) == 3
    assert lag_messages(at(committed=None, log_start=3, end=10)) == 7


def test_a_commit_below_the_log_start_counts_only_the_records_still_there() -> None:
    assert next_offset(at(committed=2, log_start=5)) == 5
    assert lag_messages(at(committed=2, log_start=5, end=9)) == 4


def test_a_commit_past_the_end_is_no_negative_lag() -> None:
    assert lag_messages(at(committed=12, end=10)) == 0


def test_lag_in_seconds_is_the_age_of_the_oldest_unconsumed_record() -> None:
    assert lag_seconds(3, oldest_unconsumed_ms=1_000_000, now=1_042.5) == 42.5


def test_a_caught_up_group_has_no_lag_in_seconds_whatever_the_timestamps() -> None:
    assert lag_seconds(0, oldest_unconsumed_ms=1_000, now=9_999.0) == 0.0
    assert lag_seconds(0, oldest_unconsumed_ms=None, now=9_999.0) == 0.0


def test_an_unreadable_record_gives_an_unknown_age_not_zero() -> None:
    assert lag_seconds(5, oldest_unconsumed_ms=None, now=100.0) is None


def test_a_record_from_the_future_is_zero_seconds_old() -> None:
    assert lag_seconds(1, oldest_unconsumed_ms=200_000, now=100.0) == 0.0


def test_dead_letter_depth_counts_the_records_held() -> None:
    assert dead_letter_depth(log_start=2, end=7) == 5
    assert dead_letter_depth(log_start=0, end=0) == 0
    assert is_dead_letter_topic("p.vigie.tenders.v1.dlq")
    assert not is_dead_letter_topic("p.vigie.tenders.v1")


def test_throughput_is_the_committed_progress_per_second_over_the_window() -> None:
    samples = [CommitSample(0.0, 100), CommitSample(30.0, 400), CommitSample(60.0, 700)]
    assert throughput(samples, window=60.0, now=60.0) == 10.0
    # Only the samples of the last 30 s count.
    assert throughput(samples, window=30.0, now=60.0) == 10.0
    assert throughput([CommitSample(0.0, 5), CommitSample(10.0, 5)], 60.0, 10.0) == 0.0


def test_throughput_is_unknown_from_one_sample_or_offsets_that_went_back() -> None:
    assert throughput([CommitSample(0.0, 100)], window=60.0, now=0.0) is None
    assert throughput([CommitSample(0.0, 100), CommitSample(5.0, 10)], 60.0, 5.0) is None
    old = [CommitSample(0.0, 100), CommitSample(1.0, 200)]
    assert throughput(old, window=60.0, now=120.0) is None
