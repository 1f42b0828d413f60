"""Where accepted tenders go: the Kafka topic `vigie.tenders.v1`, keyed by tender uid."""

from __future__ import annotations

from typing import Protocol

from faststream.kafka import KafkaBroker

from shared.events import TENDERS_TOPIC, TenderEvent
from shared.kafka.broker import publish_event, publish_events
from shared.settings import CommonSettings


class TenderPublisher(Protocol):
    async def publish(self, event: TenderEvent) -> None: ...

    async def publish_many(self, events: list[TenderEvent]) -> None:
        """Every event acknowledged by Kafka when this returns; they may be sent together."""
        ...


class KafkaTenderPublisher:
    def __init__(self, broker: KafkaBroker, settings: CommonSettings) -> None:
        self._broker = broker
        self._topic = settings.topic(TENDERS_TOPIC)

    async def publish(self, event: TenderEvent) -> None:
        await publish_event(self._broker, self._topic, event.key, event)

    async def publish_many(self, events: list[TenderEvent]) -> None:
        await publish_events(self._broker, self._topic, [(event.key, event) for event in events])
