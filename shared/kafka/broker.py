"""The FastStream broker every service uses: idempotent producer, `acks=all`."""

from __future__ import annotations

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
