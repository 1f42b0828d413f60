"""Operators' view of a dead-letter topic: list what is there and why, replay it to its source.

Replay commits under a group id of its own per DLQ after each republished record, so an
interrupted replay resumes where it stopped and a record is replayed once; it stops at the end
the topic had when it began.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from shared.kafka.dead_letter_headers import (
    ATTEMPTS,
    ERROR,
    REPLAYED_FROM,
    SOURCE_OFFSET,
    SOURCE_PARTITION,
    SOURCE_TOPIC,
)
from shared.kafka.topics import DLQ_SUFFIX


@dataclass(frozen=True)
class DeadLetter:
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: dict[str, str]

    @property
    def source_topic(self) -> str | None:
        return self.headers.get(SOURCE_TOPIC)

    @property
    def source(self) -> str:
        """Where it was read from: `topic:partition:offset` as the dead-letter path recorded."""
        partition, offset = self.headers.get(SOURCE_PARTITION), self.headers.get(SOURCE_OFFSET)
        return f"{self.source_topic}:{partition}:{offset}"

    @property
    def attempts(self) -> str:
        return self.headers.get(ATTEMPTS, "?")

    @property
    def error(self) -> str:
        return self.headers.get(ERROR, "")


def _letter(record: Any) -> DeadLetter:
    headers = {key: value.decode(errors="replace") for key, value in record.headers or ()}
    return DeadLetter(record.partition, record.offset, record.key, record.value or b"", headers)


async def _partitions(bootstrap: str, topic: str) -> list[int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="vigie-dlq")
    await admin.start()
    try:
        [description] = await admin.describe_topics([topic])
    finally:
        await admin.close()
    if description.get("error_code"):
        return []  # no such topic: nothing was ever dead-lettered there
    return sorted(partition["partition"] for partition in description["partitions"])


async def _read_to_end(
    bootstrap: str,
    consumer: AIOKafkaConsumer,
    topic: str,
    on_letter: Callable[[TopicPartition, DeadLetter], Awaitable[None]],
) -> int:
    """Feed `on_letter` every record from the consumer's position up to the end offsets seen at
    the start: records that arrive meanwhile (a replayed poison dead-lettered again) wait for
    the next run instead of looping forever."""
    partitions = [TopicPartition(topic, p) for p in await _partitions(bootstrap, topic)]
    if not partitions:
        return 0
    consumer.assign(partitions)
    ends = await consumer.end_offsets(partitions)
    pending = [tp for tp in partitions if await consumer.position(tp) < ends[tp]]
    seen = 0
    while pending:
        batch = await consumer.getmany(*pending, timeout_ms=1_000)
        for tp, records in batch.items():
            for record in records:
                if record.offset < ends[tp]:
                    await on_letter(tp, _letter(record))
                    seen += 1
        pending = [tp for tp in pending if await consumer.position(tp) < ends[tp]]
    return seen


async def list_dead_letters(bootstrap: str, dlq: str) -> list[DeadLetter]:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    letters: list[DeadLetter] = []

    async def keep(_: TopicPartition, letter: DeadLetter) -> None:
        letters.append(letter)

    await consumer.start()
    try:
        await _read_to_end(bootstrap, consumer, dlq, keep)
    finally:
        await consumer.stop()
    return sorted(letters, key=lambda letter: (letter.partition, letter.offset))


async def replay_dead_letters(
    bootstrap: str, dlq: str, progress: Callable[[DeadLetter], None]
) -> int:
    """Republish each not yet replayed record of `dlq` to its source topic; returns how many."""
    if not dlq.endswith(DLQ_SUFFIX):
        raise ValueError(f"{dlq!r} is not a dead-letter topic (no {DLQ_SUFFIX} suffix)")
    # Its own group id, only to keep committed offsets: partitions are assigned, not subscribed.
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=f"vigie-replay-{dlq}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    default_source = dlq.removesuffix(DLQ_SUFFIX)

    async def republish(tp: TopicPartition, letter: DeadLetter) -> None:
        replayed = [(REPLAYED_FROM, f"{dlq}:{letter.partition}:{letter.offset}".encode())]
        await producer.send_and_wait(
            letter.source_topic or default_source, letter.value, key=letter.key, headers=replayed
        )
        await consumer.commit({tp: letter.offset + 1})
        progress(letter)

    await consumer.start()
    await producer.start()
    try:
        return await _read_to_end(bootstrap, consumer, dlq, republish)
    finally:
        await producer.stop()
        await consumer.stop()
