"""What `vigie ops status` calls unhealthy: the rules, on views already read. Pure.

A service replica
    is unhealthy when its process is not running, or when its `/health/live` or
    `/health/ready` answers anything but 200 (or does not answer). A replica with no health
    endpoint (404) is judged by its process alone.
A consumer group
    is unhealthy when records wait and it has no live member (nobody will read them); when its
    oldest unconsumed record is older than `max_lag_seconds`; when its lag grew over the
    sampling window while its committed offsets did not move (stalled); or when its lag grew by
    more than `max_lag_growth` records over the window (consuming, too slowly). Partitions of
    dead-letter topics do not count: the replay command's groups read those, and the
    dead-letter rule below covers them.
A dead-letter topic
    is unhealthy while its newest record is younger than `dead_letter_window` seconds (0: never):
    something failed recently. Its depth alone is history: replaying does not remove records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from vigie.lag import CommitSample, LagSnapshot, throughput


@dataclass(frozen=True)
class Thresholds:
    max_lag_seconds: float = 60.0
    max_lag_growth: int = 1000
    dead_letter_window: float = 3600.0


@dataclass(frozen=True)
class ServiceView:
    label: str  # "matcher", "matcher-1"
    running: bool  # its process runs (or, known by URL only, it answers HTTP)
    pid: int | None  # None when not running or not started from this stack dir
    url: str | None  # None: it has no HTTP port
    live: bool | None  # None: not asked (not running, no port) or no health endpoint
    ready: bool | None
    detail: str


@dataclass(frozen=True)
class GroupView:
    group: str
    state: str
    members: int
    lag_messages: int
    lag_seconds: float | None
    # Over the sampling window (None with a single sample):
    window_seconds: float | None
    lag_change: int | None  # records, last sample minus first
    committed_change: int | None  # records committed during the window
    throughput: float | None  # records committed per second


@dataclass(frozen=True)
class DeadLetterView:
    topic: str
    depth: int
    newest_reason: str | None
    newest_source: str | None
    newest_age_seconds: float | None


def service_problems(service: ServiceView) -> list[str]:
    if not service.running:
        return [f"service {service.label}: not running ({service.detail})"]
    found = []
    if service.live is False:
        found.append(f"service {service.label}: not live ({service.detail})")
    if service.ready is False:
        found.append(f"service {service.label}: not ready ({service.detail})")
    return found


def group_problems(group: GroupView, limits: Thresholds) -> list[str]:
    name, found = f"group {group.group}", []
    if group.lag_messages and group.members == 0:
        found.append(f"{name}: {group.lag_messages} records wait and it has no live member")
    if group.lag_seconds is not None and group.lag_seconds > limits.max_lag_seconds:
        found.append(
            f"{name}: its oldest unconsumed record is {group.lag_seconds:.0f} s old "
            f"(limit {limits.max_lag_seconds:g} s)"
        )
    grew = group.lag_change is not None and group.lag_change > 0
    if grew and group.committed_change == 0:
        found.append(
            f"{name}: lag growing (+{group.lag_change} in {group.window_seconds:.0f} s) "
            "and nothing committed"
        )
    elif grew and group.lag_change is not None and group.lag_change > limits.max_lag_growth:
        found.append(
            f"{name}: lag growing by {group.lag_change} in {group.window_seconds:.0f} s "
            f"(limit {limits.max_lag_growth})"
        )
    return found


def dead_letter_problems(topic: DeadLetterView, limits: Thresholds) -> list[str]:
    age = topic.newest_age_seconds
    if limits.dead_letter_window <= 0 or age is None or age > limits.dead_letter_window:
        return []
    reason = topic.newest_reason or "no reason recorded"
    return [f"dead letters {topic.topic}: newest {age:.0f} s ago: {reason[:200]}"]


def problems(
    services: list[ServiceView],
    groups: list[GroupView],
    dead_letters: list[DeadLetterView],
    limits: Thresholds,
) -> list[str]:
    """Every rule broken, one sentence each; empty when all is healthy."""
    found = [p for s in services for p in service_problems(s)]
    found += [p for g in groups for p in group_problems(g, limits)]
    found += [p for d in dead_letters for p in dead_letter_problems(d, limits)]
    return found


def group_views(snapshots: Sequence[LagSnapshot], window: float) -> list[GroupView]:
    """Each group of the newest snapshot, with its change over the snapshots of the last
    `window` seconds (taken oldest first). Throughput is honest arithmetic: the records its
    committed offsets moved by between the first and last of those snapshots, per second."""
    if not snapshots:
        return []
    newest = snapshots[-1]
    recent = [s for s in snapshots if newest.taken_at - s.taken_at <= window]
    views = []
    for group in newest.groups:
        history = [g for s in recent for g in s.groups if g.group == group.group]
        times = [s.taken_at for s in recent if any(g.group == group.group for g in s.groups)]
        samples = [
            CommitSample(t, g.committed_total()) for t, g in zip(times, history, strict=True)
        ]
        first = history[0]
        span = times[-1] - times[0] if len(times) > 1 else None
        views.append(
            GroupView(
                group=group.group,
                state=group.state,
                members=group.members,
                lag_messages=group.lag_messages(),
                lag_seconds=group.lag_seconds(),
                window_seconds=span,
                lag_change=group.lag_messages() - first.lag_messages() if span else None,
                committed_change=(
                    group.committed_total() - first.committed_total() if span else None
                ),
                throughput=throughput(samples, window, newest.taken_at),
            )
        )
    return views


def dead_letter_views(snapshot: LagSnapshot) -> list[DeadLetterView]:
    return [
        DeadLetterView(
            d.topic,
            d.depth,
            d.newest_reason,
            d.newest_source,
            None if d.newest_at is None else max(0.0, snapshot.taken_at - d.newest_at),
        )
        for d in snapshot.dead_letters
    ]
