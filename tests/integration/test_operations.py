"""The operational endpoints against the real stack: ready follows MongoDB and Kafka (private
servers, killed and started again), live follows the consume loop's polling, and /metrics
carries the faststream_* and vigie_* series once a tender has flowed through."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from matcher.bootstrap import bootstrap as bootstrap_matcher
from matcher.settings import MatcherSettings
from shared.enterprises import Enterprise
from shared.health import service_health
from shared.kafka.broker import make_broker
from shared.kafka.topics import ensure_topics
from shared.mongo import make_client
from shared.operations_http import operations_app
from shared.settings import CommonSettings
from tests.factories import enterprise_data, tender_data
from tests.pipeline import namespace_settings, running_pipeline, write_enterprises
from tests.stack_clients import MailSink, PrivateKafka, PrivateMongo, StackEndpoints, produce


@asynccontextmanager
async def client_of(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        yield client


async def until(
    answer: Callable[[], Awaitable[httpx.Response]],
    holds: Callable[[httpx.Response], bool],
    within: float,
) -> httpx.Response:
    """The first answer for which `holds` is true; fails with the last one after `within` s."""
    deadline = time.monotonic() + within
    while True:
        response = await answer()
        if holds(response):
            return response
        assert time.monotonic() < deadline, f"still {response.status_code} {response.text}"
        await asyncio.sleep(0.2)


@asynccontextmanager
async def matcher_client(
    stack: StackEndpoints, namespace: str, **servers: str
) -> AsyncIterator[httpx.AsyncClient]:
    """A matcher started on this test's topics and database (`servers`: the address of a
    private server instead of the stack's), and a client of its app."""
    common = {**namespace_settings(stack, namespace), **servers}
    service = bootstrap_matcher(MatcherSettings(**common, matcher_group_id=f"{namespace}-matcher"))
    await service.start()
    try:
        async with client_of(service.app) as client:
            yield client
    finally:
        await service.stop()


async def ready_through_an_outage(
    client: httpx.AsyncClient, server: PrivateMongo | PrivateKafka, recovery_within: float
) -> dict[str, Any]:
    """Kills `server`, waits for ready to answer 503 (10 s at most), starts the server again and
    waits for ready to answer 200; returns what the 503 said."""
    server.kill()
    stopped = time.monotonic()
    down = await until(lambda: client.get("/health/ready"), lambda r: r.status_code == 503, 10)
    assert time.monotonic() - stopped < 10
    server.start()
    await until(
        lambda: client.get("/health/ready"), lambda r: r.status_code == 200, recovery_within
    )
    said: dict[str, Any] = down.json()
    return said


async def test_ready_names_mongodb_while_it_is_down_and_recovers_after_it_restarts(
    stack: StackEndpoints, namespace: str, private_mongo: PrivateMongo
) -> None:
    async with matcher_client(
        stack, namespace, mongodb_url=private_mongo.url + namespace
    ) as client:
        ready = await until(lambda: client.get("/health/ready"), lambda r: True, 0)
        assert (ready.status_code, ready.json()["checks"]) == (
            200,
            {"kafka": "ok", "mongodb": "ok", "index": "ok"},
        )
        down = await ready_through_an_outage(client, private_mongo, 30)
    assert down["reason"].startswith("mongodb: ")
    assert down["checks"]["kafka"] == "ok"


async def test_ready_names_kafka_while_it_is_down_and_recovers_after_it_restarts(
    stack: StackEndpoints, namespace: str, private_kafka: PrivateKafka
) -> None:
    async with matcher_client(stack, namespace, kafka_bootstrap=private_kafka.bootstrap) as client:
        assert (await client.get("/health/ready")).status_code == 200
        down = await ready_through_an_outage(client, private_kafka, 60)
    assert down["reason"].startswith("kafka: no answer from Kafka within")
    assert down["checks"]["mongodb"] == "ok"


async def test_live_turns_red_when_the_consume_loop_stops_polling_and_green_when_it_polls(
    stack: StackEndpoints, namespace: str
) -> None:
    """A handler that hangs keeps the loop out of `getone`; a cancelled loop task never polls."""
    settings = CommonSettings(**namespace_settings(stack, namespace))
    broker = make_broker(settings, client_id="vigie-test")
    topic = settings.topic("stuck")
    entered, release = asyncio.Event(), asyncio.Event()

    @broker.subscriber(topic, group_id=f"{namespace}-stuck", auto_offset_reset="earliest")
    async def hang(body: Any) -> None:
        entered.set()
        await release.wait()

    await ensure_topics(settings.kafka_bootstrap, [topic])
    client = make_client(settings.mongodb_url)
    app = operations_app(service_health(broker, client, live_bound_seconds=1.0), "test")
    await broker.start()
    try:
        async with client_of(app) as http:
            live = (await http.get("/health/live")).json()
            assert live == {"status": "ok", "checks": {f"consume {topic}": "ok"}}
            await produce(settings.kafka_bootstrap, topic, b"{}")
            await asyncio.wait_for(entered.wait(), 30)
            red = await until(lambda: http.get("/health/live"), lambda r: r.status_code == 503, 10)
            assert "no poll of Kafka for" in red.json()["checks"][f"consume {topic}"]
            release.set()
            await until(lambda: http.get("/health/live"), lambda r: r.status_code == 200, 10)
            [subscriber] = broker.subscribers
            tasks = list(subscriber.tasks)  # type: ignore[attr-defined]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            ended = await http.get("/health/live")
            assert ended.status_code == 503
            assert ended.json()["reason"] == f"consume {topic}: the consume loop has ended"
    finally:
        await broker.stop()
        await client.close()


def series(text: str, name: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(name)]


async def test_metrics_show_the_kafka_and_domain_series_once_a_tender_flowed_through(
    stack: StackEndpoints, namespace: str, mail: MailSink
) -> None:
    enterprise = Enterprise.model_validate(enterprise_data())
    await write_enterprises(stack, namespace, [enterprise])
    async with running_pipeline(stack, namespace) as pipeline:
        assert pipeline.matcher is not None
        assert pipeline.notifier is not None
        async with pipeline.ingest_client() as ingest:
            sent = await ingest.post("/v1/tenders", json=tender_data(title="Déneigement"))
            assert sent.status_code == 202
            assert len(await mail.wait_for(str(enterprise.contacts.email), within=60)) == 1
            scraped: dict[str, Any] = {"ingest": (await ingest.get("/metrics")).text}
        for name, app in (("matcher", pipeline.matcher.app), ("notifier", pipeline.notifier.app)):
            async with client_of(app) as client:
                scraped[name] = (await client.get("/metrics")).text
    tenders, matches = pipeline.topic("vigie.tenders.v1"), pipeline.topic("vigie.matches.v1")
    for text in scraped.values():  # one process here: one registry for the three
        assert series(text, 'vigie_tenders_total{outcome="accepted",reason="",source="api"}')
        assert series(text, 'faststream_received_messages_total{app_name="vigie-matcher"')
        assert any(tenders in line for line in series(text, "faststream_received_messages_total"))
        assert any(matches in line for line in series(text, "faststream_published_messages_total"))
        assert series(text, 'vigie_matches_total{kind="new"}')
        assert series(text, 'vigie_deliveries_total{channel="email",status="sent"}')
        assert series(text, 'vigie_provider_call_seconds_count{channel="email"}')
        assert series(text, 'vigie_end_to_end_seconds_count{channel="email"}')
        assert series(text, "vigie_matcher_index_profiles")
