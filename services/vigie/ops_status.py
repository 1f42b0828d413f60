"""`vigie ops status`: services, consumer groups and dead-letter topics on one screen.

Reads: each service replica's `/health/live` and `/health/ready` (`vigie.service_health`), the
groups and dead-letter topics from Kafka (`vigie.lag_reader`), sampled `interval` seconds apart
so that the lag's change and the throughput are measured, not guessed; the rules of "unhealthy"
are `vigie.ops_rules`'.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from vigie.lag import LagSnapshot
from vigie.lag_reader import run as read_kafka
from vigie.ops_rules import (
    DeadLetterView,
    GroupView,
    ServiceView,
    Thresholds,
    dead_letter_views,
    group_views,
    problems,
)
from vigie.service_health import probe

WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class Report:
    taken_at: float
    services: list[ServiceView]
    groups: list[GroupView]
    dead_letters: list[DeadLetterView]
    problems: list[str]

    @property
    def healthy(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        return {
            "healthy": self.healthy,
            "taken_at": self.taken_at,
            "problems": self.problems,
            "services": [asdict(s) for s in self.services],
            "groups": [asdict(g) for g in self.groups],
            "dead_letters": [asdict(d) for d in self.dead_letters],
        }


def _view(label: str, url: str | None, pid: int | None, running: bool) -> ServiceView:
    if not running:
        return ServiceView(label, False, pid, url, None, None, "no live process in its pidfile")
    if url is None:
        return ServiceView(label, True, pid, None, None, None, "no HTTP port")
    health = probe(url)
    if pid is None and not health.answers:
        return ServiceView(label, False, None, url, None, None, health.live.detail)
    failing = [p.detail for p in (health.live, health.ready) if p.ok is not True]
    detail = failing[0] if failing else "ok"
    return ServiceView(label, True, pid, url, health.live.ok, health.ready.ok, detail)


def local_services() -> list[ServiceView]:
    """The replicas started from this stack dir (`vigie services up`, `vigie demo`); none where
    the local stack is not installed (the wheel)."""
    try:
        from vigie.services_runner import replica_states
        from vigie_stack.config import StackConfig
    except ImportError:
        return []
    states = replica_states(StackConfig.from_env(), os.environ)
    return [
        _view(s.label, s.listener.url if s.listener else None, s.pid, s.pid is not None)
        for s in states
    ]


def named_services(urls: Mapping[str, str]) -> list[ServiceView]:
    """Services known by their base URL only (`--service ingest=http://…`): running means
    answering HTTP."""
    return [_view(label, url.rstrip("/"), None, True) for label, url in urls.items()]


class Sampler:
    """Snapshots of Kafka kept for the last `window` seconds."""

    def __init__(self, read: Callable[[], LagSnapshot], window: float = WINDOW_SECONDS) -> None:
        self.read = read
        self.window = window
        self.snapshots: list[LagSnapshot] = []

    def sample(self) -> None:
        snapshot = self.read()
        keep = [s for s in self.snapshots if snapshot.taken_at - s.taken_at <= self.window]
        self.snapshots = [*keep, snapshot]


def kafka_reader(bootstrap: str, topic_prefix: str) -> Callable[[], LagSnapshot]:
    return lambda: read_kafka(bootstrap, topic_prefix)


def report(
    sampler: Sampler, services: Callable[[], list[ServiceView]], limits: Thresholds
) -> Report:
    seen = services()
    groups = group_views(sampler.snapshots, sampler.window)
    newest = sampler.snapshots[-1]
    dead = dead_letter_views(newest)
    return Report(newest.taken_at, seen, groups, dead, problems(seen, groups, dead, limits))


def _yes_no(value: bool | None) -> Text:
    if value is None:
        return Text("?", style="dim")
    return Text("yes", style="green") if value else Text("no", style="bold red")


def _number(value: float | None, digits: int = 0) -> str:
    return "?" if value is None else f"{value:,.{digits}f}"


def _services_table(services: list[ServiceView]) -> Table:
    table = Table("service", "up", "live", "ready", "pid", "address", "detail", title="Services")
    for s in services:
        table.add_row(
            s.label,
            _yes_no(s.running),
            _yes_no(s.live),
            _yes_no(s.ready),
            str(s.pid or "-"),
            s.url or "-",
            s.detail,
        )
    return table


def _groups_table(groups: list[GroupView]) -> Table:
    table = Table(
        "group",
        "state",
        "members",
        "lag (records)",
        "lag (s)",
        "lag change",
        "throughput (records/s)",
        title="Consumer groups (lag, and its change and throughput over the sampled window)",
    )
    for g in groups:
        change = "?" if g.lag_change is None else f"{g.lag_change:+,}"
        over = "" if g.window_seconds is None else f" over {g.window_seconds:.0f} s"
        table.add_row(
            g.group,
            g.state,
            str(g.members),
            f"{g.lag_messages:,}",
            _number(g.lag_seconds, 1),
            change + over,
            _number(g.throughput, 1) + (over if g.throughput is not None else ""),
        )
    return table


def _dead_letters_table(topics: list[DeadLetterView]) -> Table:
    table = Table("topic", "depth", "newest", "from", "newest reason", title="Dead letters")
    for d in topics:
        age = "-" if d.newest_age_seconds is None else f"{d.newest_age_seconds:,.0f} s ago"
        style = "bold red" if d.depth else ""
        table.add_row(
            d.topic,
            Text(str(d.depth), style=style),
            age,
            d.newest_source or "-",
            (d.newest_reason or "-")[:120],
        )
    return table


def render(result: Report) -> RenderableType:
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(result.taken_at))
    verdict = (
        Text(f"healthy ({stamp})", style="bold green")
        if result.healthy
        else Text("\n".join(["UNHEALTHY:", *result.problems]), style="bold red")
    )
    return Group(
        _services_table(result.services),
        _groups_table(result.groups),
        _dead_letters_table(result.dead_letters),
        verdict,
    )
