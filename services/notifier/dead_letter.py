"""Dead-lettering a message whose delivery failed for good, after its offset was committed.

The consumer's own dead-letter path needs the Kafka record in hand; a delivery that fails later,
in the outbox, sends its match event to the same `<topic>.dlq` with the same headers, the source
coordinates being those recorded when the match was consumed.
"""

from __future__ import annotations

import json

import structlog
from faststream.kafka import KafkaBroker

from notifier.ports import DeadLetter
from shared.kafka.dead_letter_headers import dead_letter_headers
from shared.kafka.topics import dlq_topic
from shared.mongo import Document

log = structlog.get_logger()


def _payload(delivery: Document) -> bytes:
    """The match event, replayable as is; a digest names its items instead."""
    if "match" in delivery:
        return str(delivery["match"]).encode()
    return json.dumps({"digest": delivery["_id"], "items": delivery.get("items", [])}).encode()


def kafka_dead_letter(broker: KafkaBroker, topic: str) -> DeadLetter:
    async def dead_letter(delivery: Document, error: str) -> None:
        source = delivery.get("source", {})
        headers = dead_letter_headers(
            topic=source.get("topic", topic),
            partition=str(source.get("partition", "")),
            offset=str(source.get("offset", "")),
            attempts=delivery.get("attempts", 0),
            error=error,
            delivery_key=str(delivery["_id"]),
        )
        await broker.publish(
            _payload(delivery),
            topic=dlq_topic(source.get("topic", topic)),
            key=str(delivery["enterprise_id"]).encode(),
            headers=headers,
        )
        log.warning(
            "delivery_dead_lettered",
            operation=f"send by {delivery.get('channel', 'its channel')}",
            key=str(delivery["_id"]),
            attempts=delivery.get("attempts", 0),
            error=error[:300],
            next=f"dead-lettered to {dlq_topic(source.get('topic', topic))}; recorded as failed",
        )

    return dead_letter
