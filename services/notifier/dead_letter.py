"""Dead-lettering a message whose delivery failed for good, after its offset was committed.

The consumer's own dead-letter path needs the Kafka record in hand; a delivery that fails later,
in the outbox, sends its match event to the same `<topic>.dlq` with the same headers, the source
coordinates being those recorded when the match was consumed.
"""

from __future__ import annotations

import json

import structlog
from faststream.kafka import KafkaBroker

from notifier.delivery import Delivery
from notifier.ports import DeadLetter
from shared.kafka.dead_letter_headers import dead_letter_headers
from shared.kafka.topics import dlq_topic
from shared.metrics import DEAD_LETTERS

log = structlog.get_logger()


def _payload(delivery: Delivery) -> bytes:
    """The match event, replayable as is; a digest names its items instead."""
    if delivery.match_json is not None:
        return delivery.match_json.encode()
    return json.dumps({"digest": delivery.key, "items": list(delivery.items)}).encode()


def kafka_dead_letter(broker: KafkaBroker, topic: str) -> DeadLetter:
    async def dead_letter(delivery: Delivery, error: str) -> None:
        source = delivery.source
        # A digest, or a record kept before its coordinates were: the consumed topic, unplaced.
        source_topic = source.topic if source else topic
        headers = dead_letter_headers(
            topic=source_topic,
            partition=str(source.partition) if source else "",
            offset=str(source.offset) if source else "",
            attempts=delivery.attempts,
            error=error,
            delivery_key=delivery.key,
        )
        await broker.publish(
            _payload(delivery),
            topic=dlq_topic(source_topic),
            key=delivery.enterprise_id.encode(),
            headers=headers,
        )
        DEAD_LETTERS.labels(source_topic).inc()
        log.warning(
            "delivery_dead_lettered",
            operation=f"send by {delivery.channel or 'its channel'}",
            key=delivery.key,
            attempts=delivery.attempts,
            error=error[:300],
            next=f"dead-lettered to {dlq_topic(source_topic)}; recorded as failed",
        )

    return dead_letter
