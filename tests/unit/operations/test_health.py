"""Readiness and liveness logic with fakes (the real servers: tests/integration/test_operations)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from aiokafka.consumer.subscription_state import SubscriptionState

from notifier.dispatcher import Dispatcher
from shared.clock import utc_now
from shared.health import BackgroundLoop, ConsumeLoop, Health
from shared.operations_http import operations_app


async def fine() -> str | None:
    return None


async def index_missing() -> str | None:
    return "the profile index is not loaded yet"


async def hangs() -> str | None:
    await asyncio.Event().wait()
    return None


async def raises() -> str | None:
    raise ConnectionRefusedError("connection refused")


@dataclass
class FakeConsumer:
    _subscription: Any


@dataclass
class FakeSubscriber:
    consumer: Any
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)


@dataclass
class Idle:
    fetcher_idle_time: float


async def test_ready_when_every_check_passes() -> None:
    verdict = await Health({"kafka": fine, "mongodb": fine}).ready()
    assert verdict.ok
    assert verdict.body() == {"status": "ok", "checks": {"kafka": "ok", "mongodb": "ok"}}


async def test_not_ready_names_each_failing_dependency_and_why() -> None:
    health = Health(
        {"kafka": fine, "mongodb": hangs, "index": index_missing, "other": raises},
        timeout_seconds=0.05,
    )
    verdict = await health.ready()
    assert not verdict.ok
    assert verdict.checks == {
        "kafka": "ok",
        "mongodb": "no answer within 0.05 s",
        "index": "the profile index is not loaded yet",
        "other": "ConnectionRefusedError: connection refused",
    }
    assert verdict.body()["reason"].startswith("mongodb: no answer within 0.05 s; index: ")


async def test_a_hanging_check_is_answered_within_its_bound() -> None:
    started = time.monotonic()
    await Health({"mongodb": hangs}, timeout_seconds=0.1).ready()
    assert time.monotonic() - started < 2


async def test_a_loop_not_started_is_live_and_one_whose_task_ended_is_not() -> None:
    ended = asyncio.create_task(asyncio.sleep(0))
    await ended
    not_started = ConsumeLoop("t", FakeSubscriber(consumer=None))
    dead = ConsumeLoop("t", FakeSubscriber(FakeConsumer(Idle(0.0)), [ended]))
    assert not_started.problem(10) is None
    assert dead.problem(10) == "the consume loop has ended"


async def test_a_loop_that_has_not_polled_within_the_bound_is_not_live() -> None:
    running = asyncio.create_task(asyncio.Event().wait())
    try:
        polling = ConsumeLoop("consume p", FakeSubscriber(FakeConsumer(Idle(0.0)), [running]))
        stuck = ConsumeLoop("consume t", FakeSubscriber(FakeConsumer(Idle(31.0)), [running]))
        health = Health({}, lambda: [polling, stuck], live_bound_seconds=30)
        verdict = health.live()
        assert polling.problem(30) is None
        assert not verdict.ok
        assert verdict.checks["consume t"] == "no poll of Kafka for 31 s (bound 30 s)"
    finally:
        running.cancel()


def test_a_background_loop_of_the_service_is_live_until_it_has_ended() -> None:
    ended = False
    health = Health({}, lambda: [BackgroundLoop("outbox dispatch", lambda: ended)])
    assert health.live().ok
    ended = True
    assert health.live().checks == {"outbox dispatch": "the loop has ended"}


async def test_aiokafka_still_measures_the_time_since_the_application_last_polled() -> None:
    """Liveness reads aiokafka's private `fetcher_idle_time`: this pins what it relies on."""
    state = SubscriptionState()
    with state.fetch_context():
        assert state.fetcher_idle_time == 0  # waiting in getone/getmany is polling
    await asyncio.sleep(0.05)
    assert state.fetcher_idle_time >= 0.04  # out of getone: the application is busy
    loop = ConsumeLoop("t", FakeSubscriber(FakeConsumer(state), []))
    assert loop.poll_idle_seconds() is not None


async def test_the_endpoints_answer_200_or_503_with_the_reason() -> None:
    app = operations_app(Health({"mongodb": index_missing}), "test")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://service"
    ) as client:
        ready = await client.get("/health/ready")
        live = await client.get("/health/live")
        metrics = await client.get("/metrics")
    assert ready.status_code == 503
    assert ready.json()["reason"] == "mongodb: the profile index is not loaded yet"
    assert (live.status_code, live.json()) == (200, {"status": "ok", "checks": {}})
    assert metrics.headers["content-type"].startswith("text/plain; version=")
    assert "# TYPE vigie_end_to_end_seconds histogram" in metrics.text


async def test_the_notifier_s_outbox_loop_reports_ending_unless_it_was_stopped() -> None:
    died = asyncio.Event()

    async def dies(now: object, limit: int) -> list[str]:
        died.set()
        raise asyncio.CancelledError  # what its `except Exception` does not catch

    async def attempt(key: str) -> None:
        return None

    dispatcher = Dispatcher(dies, attempt, utc_now)
    assert not dispatcher.has_ended()  # not started
    dispatcher.start()
    await asyncio.wait_for(died.wait(), 5)  # the task ended in the step that set it
    assert dispatcher.has_ended()
    await dispatcher.stop()
    assert not dispatcher.has_ended()
