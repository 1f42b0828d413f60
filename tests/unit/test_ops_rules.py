"""The rules of `vigie ops status`, and the lag change and throughput it measures between reads."""

from __future__ import annotations

from vigie.lag import (
    DeadLetterTopic,
    GroupLag,
    LagSnapshot,
    PartitionLag,
    PartitionOffsets,
)
from vigie.ops_rules import (
    GroupView,
    ServiceView,
    Thresholds,
    dead_letter_views,
    group_views,
    problems,
)

LIMITS = Thresholds(max_lag_seconds=60, max_lag_growth=100, dead_letter_window=3600)


def service(**changes: object) -> ServiceView:
    fields: dict[str, object] = {
        "label": "matcher",
        "running": True,
        "pid": 42,
        "url": "http://127.0.0.1:8081",
        "live": True,
        "ready": True,
        "detail": "ok",
    }
    fields.update(changes)
    return ServiceView(**fields)  # type: ignore[arg-type]


def group(**changes: object) -> GroupView:
    fields: dict[str, object] = {
        "group": "vigie-matcher",
        "state": "Stable",
        "members": 1,
        "lag_messages": 0,
        "lag_seconds": 0.0,
        "window_seconds": 5.0,
        "lag_change": 0,
        "committed_change": 10,
        "throughput": 2.0,
    }
    fields.update(changes)
    return GroupView(**fields)  # type: ignore[arg-type]


def test_all_running_live_ready_and_caught_up_is_healthy() -> None:
    assert problems([service()], [group()], [], LIMITS) == []


def test_a_replica_down_or_not_ready_is_unhealthy_one_without_health_endpoint_is_not() -> None:
    down = service(running=False, pid=None, live=None, ready=None, detail="no process")
    unready = service(label="ingest", ready=False, detail="mongodb: timeout")
    unknown = service(label="notifier", live=None, ready=None, detail="no health endpoint")
    found = problems([down, unready, unknown], [], [], LIMITS)
    assert found == [
        "service matcher: not running (no process)",
        "service ingest: not ready (mongodb: timeout)",
    ]


def test_records_waiting_for_a_group_with_no_member_is_unhealthy() -> None:
    [found] = problems([], [group(members=0, lag_messages=3, lag_seconds=1.0)], [], LIMITS)
    assert "3 records wait and it has no live member" in found


def test_an_old_unconsumed_record_is_unhealthy() -> None:
    [found] = problems([], [group(lag_messages=1, lag_seconds=61.0)], [], LIMITS)
    assert "61 s old (limit 60 s)" in found


def test_lag_growing_with_nothing_committed_is_unhealthy_growing_while_consuming_is_not() -> None:
    stalled = group(lag_messages=5, lag_seconds=2.0, lag_change=5, committed_change=0)
    [found] = problems([], [stalled], [], LIMITS)
    assert "lag growing (+5 in 5 s) and nothing committed" in found
    busy = group(lag_messages=5, lag_seconds=2.0, lag_change=5, committed_change=300)
    assert problems([], [busy], [], LIMITS) == []
    too_slow = group(lag_messages=500, lag_seconds=2.0, lag_change=400, committed_change=300)
    [found] = problems([], [too_slow], [], LIMITS)
    assert "lag growing by 400 in 5 s (limit 100)" in found


def _snapshot(at: float, lag: int, committed: int, dead_at: float | None = None) -> LagSnapshot:
    position = PartitionOffsets(
        "vigie-matcher", "vigie.tenders.v1", 0, committed, 0, committed + lag
    )
    replay = PartitionOffsets("vigie-replay", "vigie.tenders.v1.dlq", 0, 0, 0, 9)
    dead = DeadLetterTopic("vigie.tenders.v1.dlq", 9, "bad JSON", "vigie.tenders.v1", dead_at)
    return LagSnapshot(
        at,
        (
            GroupLag("vigie-matcher", "Stable", 1, (PartitionLag(position, lag, 1.0),)),
            GroupLag("vigie-replay", "Empty", 0, (PartitionLag(replay, 9, 50.0),)),
        ),
        (dead,),
    )


def test_lag_change_and_throughput_are_measured_between_the_reads_of_the_window() -> None:
    reads = [_snapshot(0.0, 2, 100), _snapshot(30.0, 4, 160), _snapshot(90.0, 10, 400)]
    matcher, replay = group_views(reads, window=60.0)
    # The first read is older than the window: the change is over the last 60 s.
    assert (matcher.lag_messages, matcher.lag_change, matcher.committed_change) == (10, 6, 240)
    assert matcher.throughput == 4.0
    assert matcher.window_seconds == 60.0
    # A replay group reads a dead-letter topic: not counted as lag (the DLQ rule covers it).
    assert (replay.lag_messages, replay.members) == (0, 0)
    assert problems([], [replay], [], LIMITS) == []


def test_one_read_gives_the_lag_but_no_change_nor_throughput() -> None:
    [matcher, _] = group_views([_snapshot(0.0, 3, 10)], window=60.0)
    assert (matcher.lag_messages, matcher.lag_change, matcher.throughput) == (3, None, None)


def test_a_recent_dead_letter_is_unhealthy_an_old_one_is_history() -> None:
    [recent] = dead_letter_views(_snapshot(1000.0, 0, 0, dead_at=990.0))
    assert recent.newest_age_seconds == 10.0
    [found] = problems([], [], [recent], LIMITS)
    assert found == "dead letters vigie.tenders.v1.dlq: newest 10 s ago: bad JSON"
    [old] = dead_letter_views(_snapshot(10_000.0, 0, 0, dead_at=990.0))
    assert problems([], [], [old], LIMITS) == []
    never = Thresholds(dead_letter_window=0)
    assert problems([], [], [recent], never) == []
