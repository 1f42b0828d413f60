"""The FastStream broker every service uses: idempotent producer, `acks=all`."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from faststream.kafka import KafkaBroker
from pydantic import BaseModel

from shared.settings import CommonSettings


def make_broker(settings: CommonSettings, client_id: str) -> KafkaBroker:
    return KafkaBroker(
        settings.kafka_bootstrap,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        logger=None,  # we log ourselves through structlog, with the message context bound
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
    broker: KafkaBroker, topic: str, events: Sequence[tuple[str, BaseModel]]
) -> None:
    """Publish many events and wait until Kafka acknowledged them all.

    Every send is handed to the producer before any acknowledgement is awaited, so the producer
    packs them into a few requests per partition instead of one round trip each. Per-key order
    holds: the idempotent producer keeps the order of sends within a partition."""
    pending = [
        await broker.publish(
            event.model_dump_json().encode(),
            topic=topic,
            key=key.encode(),
            headers={"content-type": "application/json"},
            no_confirm=True,
        )
        for key, event in events
    ]
    await asyncio.gather(*pending)
