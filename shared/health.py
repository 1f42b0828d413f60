"""A service's health: ready (its dependencies answer) and live (its consume loops poll).

Readiness
    Each check is a name and a coroutine returning None when fine, else the reason. A check that
    takes longer than its bound is a failure (`no answer within N s`), so `/health/ready` always
    answers promptly. `kafka_answers` uses FastStream's broker ping (a DescribeCluster round
    trip), `mongodb_answers` the `ping` command; the matcher adds that its profile index is loaded.

Liveness: the consume loop
    A Kafka consumer can be a "zombie": the process is up, but its loop no longer polls (its task
    ended on an error FastStream did not catch, or a handler hangs). Kafka then sees the member
    stop polling and takes its partitions away after `max.poll.interval.ms`, but nothing inside
    the process says so. A loop is live when its FastStream task is still running and it polled
    within the bound. "Polled" is read from aiokafka's own measure, the one it compares with
    `max_poll_interval_ms` to leave the group (`SubscriptionState.fetcher_idle_time`): zero while
    `getone`/`getmany` waits for records, otherwise the time since the last of them returned,
    i.e. how long the application has been busy with what it got. So an idle topic (the loop
    waiting in `getone`) is live, a handler stuck for longer than the bound is not, and neither
    is a loop whose task ended. That attribute is not public API: if a future aiokafka drops it,
    `poll_idle_seconds` reports None and only the task's state is judged (the unit tests pin it).
    A service's own loops (the notifier's outbox loop) are live while their task runs
    (`BackgroundLoop`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from faststream.kafka import KafkaBroker
from pymongo import AsyncMongoClient

Check = Callable[[], Awaitable[str | None]]
"""A readiness check: None when its dependency answers, else why not."""


@dataclass(frozen=True)
class Verdict:
    """An answer of `/health/ready` or `/health/live`: ok, and each check's state."""

    ok: bool
    checks: dict[str, str]

    @property
    def reason(self) -> str:
        return "; ".join(f"{name}: {state}" for name, state in self.checks.items() if state != "ok")

    def body(self) -> dict[str, Any]:
        status = {"status": "ok" if self.ok else "failing", "checks": self.checks}
        return status if self.ok else {**status, "reason": self.reason}


def kafka_answers(broker: KafkaBroker, timeout: float) -> Check:
    async def check() -> str | None:
        if await broker.ping(timeout=timeout):
            return None
        return f"no answer from Kafka within {timeout:g} s"

    return check


def mongodb_answers(client: AsyncMongoClient[Any]) -> Check:
    async def check() -> str | None:
        await client.admin.command("ping")
        return None

    return check


async def _run(check: Check, seconds: float) -> str:
    try:
        async with asyncio.timeout(seconds):
            problem = await check()
    except TimeoutError:
        return f"no answer within {seconds:g} s"
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"[:300]
    return problem or "ok"


@dataclass(frozen=True)
class ConsumeLoop:
    """What liveness reads of one FastStream subscriber (`KafkaSubscriber` in production)."""

    name: str
    subscriber: Any

    def task_running(self) -> bool:
        tasks = getattr(self.subscriber, "tasks", [])
        return bool(tasks) and any(not task.done() for task in tasks)

    def poll_idle_seconds(self) -> float | None:
        """aiokafka's time since the loop last polled (0 while it polls); None if unknown."""
        consumer = getattr(self.subscriber, "consumer", None)
        state = getattr(consumer, "_subscription", None)  # aiokafka's SubscriptionState
        idle = getattr(state, "fetcher_idle_time", None)
        return float(idle) if isinstance(idle, int | float) else None

    def problem(self, bound_seconds: float) -> str | None:
        if getattr(self.subscriber, "consumer", None) is None:
            return None  # not started yet (or stopped): starting is readiness's business
        if not self.task_running():
            return "the consume loop has ended"
        idle = self.poll_idle_seconds()
        if idle is not None and idle > bound_seconds:
            return f"no poll of Kafka for {idle:.0f} s (bound {bound_seconds:g} s)"
        return None


@dataclass(frozen=True)
class BackgroundLoop:
    """A loop of the service's own (the notifier's outbox loop): live while it runs."""

    name: str
    has_ended: Callable[[], bool]

    def problem(self, bound_seconds: float) -> str | None:
        return "the loop has ended" if self.has_ended() else None


def consume_loops(broker: KafkaBroker) -> list[ConsumeLoop]:
    """The broker's subscribers, named by their topics."""
    return [
        ConsumeLoop(f"consume {','.join(getattr(s, 'topic_names_for_subscribe', ()))}", s)
        for s in broker.subscribers
    ]


@dataclass
class Health:
    """The checks of one service. `loops` is read on each liveness answer, so subscribers
    registered after this is built are watched too."""

    readiness: dict[str, Check]
    loops: Callable[[], Sequence[ConsumeLoop | BackgroundLoop]] = list
    timeout_seconds: float = 2.0
    live_bound_seconds: float = 300.0

    async def ready(self) -> Verdict:
        names = list(self.readiness)
        states = await asyncio.gather(
            *(_run(self.readiness[name], self.timeout_seconds) for name in names)
        )
        checks = dict(zip(names, states, strict=True))
        return Verdict(all(state == "ok" for state in states), checks)

    def live(self) -> Verdict:
        checks = {loop.name: loop.problem(self.live_bound_seconds) or "ok" for loop in self.loops()}
        return Verdict(all(state == "ok" for state in checks.values()), checks)


def service_health(
    broker: KafkaBroker,
    client: AsyncMongoClient[Any],
    live_bound_seconds: float,
    timeout_seconds: float = 2.0,
    loops: Sequence[BackgroundLoop] = (),
    **more: Check,
) -> Health:
    """A service's health: Kafka and MongoDB answer (and `more` checks), its broker's consume
    loops poll and its own `loops` run."""
    checks: dict[str, Check] = {
        # The ping retries inside its own bound; a little less than the check's, to say why.
        "kafka": kafka_answers(broker, timeout_seconds * 0.8),
        "mongodb": mongodb_answers(client),
        **more,
    }
    return Health(
        checks, lambda: [*consume_loops(broker), *loops], timeout_seconds, live_bound_seconds
    )
