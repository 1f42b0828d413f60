"""What reaches a dead-letter topic of a broker under FastStream's TestKafkaBroker, kept as it is:
the record's bytes (not read as JSON) and its headers as text."""

from __future__ import annotations

from typing import Any

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.message import StreamMessage

from shared.kafka.topics import dlq_topic


async def _raw(message: StreamMessage[Any]) -> bytes:
    return message.body


class DeadLetterInbox:
    """Subscribes to `<topic>.dlq` on `broker` (before the test broker starts)."""

    def __init__(self, broker: KafkaBroker, topic: str) -> None:
        self.letters: list[tuple[bytes, dict[str, str]]] = []
        broker.subscriber(dlq_topic(topic), group_id="test-dlq", decoder=_raw)(self._keep)

    async def _keep(self, body: bytes, message: KafkaMessage) -> None:
        headers = {k: v if isinstance(v, str) else v.decode() for k, v in message.headers.items()}
        self.letters.append((message.body, headers))
