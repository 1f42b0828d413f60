"""Kafka adapter: match events to `vigie.matches.v1`, keyed by match key."""

from __future__ import annotations

from collections.abc import Sequence

from faststream.kafka import KafkaBroker

from shared.events import MatchEvent
from shared.kafka.broker import publish_events
from shared.metrics import MATCHES
from shared.tracing import record_trace


class KafkaMatchPublisher:
    def __init__(self, broker: KafkaBroker, topic: str) -> None:
        self._broker = broker
        self._topic = topic

    async def publish(self, matches: Sequence[MatchEvent]) -> None:
        """Each match goes out in its tender record's trace (tender records are keyed by uid),
        though the tenders were consumed as one batch."""
        await publish_events(
            self._broker,
            self._topic,
            [(match.key, match) for match in matches],
            within=lambda match: record_trace(match.tender.uid),
        )
        for match in matches:
            MATCHES.labels(match.kind.value).inc()
