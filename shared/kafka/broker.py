"""The FastStream broker every service uses: idempotent producer, `acks=all`, and FastStream's
own Prometheus middleware on every consume and publish."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import TypeVar

from faststream.kafka import KafkaBroker
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from pydantic import BaseModel

from shared.metrics import REGISTRY
from shared.settings import CommonSettings
from shared.tracing import BatchRecordSpans

E = TypeVar("E", bound=BaseModel)


def make_broker(settings: CommonSettings, client_id: str) -> KafkaBroker:
    """The broker of one service (`client_id` names it in Kafka and in the metrics).

    `KafkaPrometheusMiddleware` adds the `faststream_*` series (received, processed by status,
    durations, exceptions, published) to the registry of Vigie's own metrics. Beware its
    `status` label: under the default ack policy a handler that raised is still counted as
    `acked`, so alert on `faststream_received_processed_messages_exceptions_total`, never on
    status. Vigie's guarded handlers rarely raise at all (shared.kafka.consumer dead-letters what
    fails): `vigie_dead_letters_total` is their failure signal.

    `KafkaTelemetryMiddleware` traces each publish and consume and carries the W3C
    `traceparent` in the headers, under the process's tracer provider (`shared.tracing`; none
    installed, as in most tests, makes it a no-op); `BatchRecordSpans`, inside it, puts each
    record of a batch in its own trace.
    """
    return KafkaBroker(
        settings.kafka_bootstrap,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        logger=None,  # we log ourselves through structlog, with the message context bound
        middlewares=[
            KafkaTelemetryMiddleware(),
            BatchRecordSpans,
            KafkaPrometheusMiddleware(registry=REGISTRY, app_name=client_id),
        ],
    )


async def publish_event(broker: KafkaBroker, topic: str, key: str, event: BaseModel) -> None:
    """Publish one event as JSON and wait until Kafka acknowledged it."""
    await broker.publish(
        event.model_dump_json().encode(),
        topic=topic,
        key=key.encode(),
        headers={"content-type": "application/json"},
    )


async def publish_events(
    broker: KafkaBroker,
    topic: str,
    events: Sequence[tuple[str, E]],
    within: Callable[[E], AbstractContextManager[object]] | None = None,
) -> None:
    """Publish many events and wait until Kafka acknowledged them all.

    Every send is handed to the producer before any acknowledgement is awaited, so the producer
    packs them into a few requests per partition instead of one round trip each. Per-key order
    holds: the idempotent producer keeps the order of sends within a partition. `within(event)`,
    if given, is entered around each send (the trace an event goes out in)."""
    pending = []
    for key, event in events:
        with within(event) if within is not None else nullcontext():
            sent = await broker.publish(
                event.model_dump_json().encode(),
                topic=topic,
                key=key.encode(),
                headers={"content-type": "application/json"},
                no_confirm=True,
            )
        pending.append(sent)
    await asyncio.gather(*pending)
