"""Guarded consumption: parse, process with retries, dead-letter what cannot succeed.

The subscriber commits only after this returns (FastStream `NACK_ON_ERROR`), so an effect is
durable before its offset is committed; a message that cannot be parsed, or still fails after
the retries, goes to `<topic>.dlq` with headers saying why and the consumer moves on.

A handler is given the event and the record's `Coordinates` as arguments; while it runs, the
coordinates are also bound to the log context, so every log line it writes names the record.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import structlog
from aiokafka import ConsumerRecord
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.message import StreamMessage

from shared.backoff import Backoff
from shared.kafka.coordinates import Coordinates
from shared.kafka.dead_letter_headers import dead_letter_headers
from shared.kafka.topics import dlq_topic
from shared.metrics import DEAD_LETTERS

T = TypeVar("T")
log = structlog.get_logger()

Handle = Callable[[T, Coordinates], Awaitable[None]]
"""A record's handler: its parsed event, and where the record was read."""


class PermanentError(Exception):
    """Processing this message can never succeed: dead-letter it at once."""


@dataclass(frozen=True)
class RetryPolicy:
    """`attempts` in all, waiting a capped exponential backoff with full jitter between them."""

    attempts: int = 5
    base_seconds: float = 0.2
    cap_seconds: float = 10.0

    def delay(self, attempt: int) -> float:
        """The wait after the `attempt`-th failure (see shared.backoff)."""
        return Backoff(self.base_seconds, self.cap_seconds).delay(attempt)


async def send_to_dlq(
    broker: KafkaBroker, record: ConsumerRecord[Any, Any], error: str, attempts: int
) -> None:
    headers = dead_letter_headers(
        topic=record.topic,
        partition=str(record.partition),
        offset=str(record.offset),
        attempts=attempts,
        error=error,
    )
    await broker.publish(
        record.value or b"", topic=dlq_topic(record.topic), key=record.key, headers=headers
    )
    DEAD_LETTERS.labels(record.topic).inc()
    log.warning(
        "dead_lettered",
        operation=f"consume {record.topic}",
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        attempts=attempts,
        error=error[:300],
        next=f"dead-lettered to {dlq_topic(record.topic)}; the consumer moves on",
    )


def coordinates(record: ConsumerRecord[Any, Any]) -> Coordinates:
    return Coordinates(record.topic, record.partition, record.offset)


async def process_record(
    broker: KafkaBroker,
    record: ConsumerRecord[Any, Any],
    decode: Callable[[bytes], T],
    handle: Handle[T],
    retry: RetryPolicy,
) -> None:
    at = coordinates(record)
    with structlog.contextvars.bound_contextvars(**at.fields()):
        try:
            event = decode(record.value or b"")
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            await send_to_dlq(broker, record, f"cannot parse: {exc}", attempts=1)
            return
        await handle_with_retries(broker, record, partial(handle, event, at), retry)


async def handle_with_retries(
    broker: KafkaBroker,
    record: ConsumerRecord[Any, Any],
    attempt_once: Callable[[], Awaitable[None]],
    retry: RetryPolicy,
) -> None:
    """Handle one record (`attempt_once`), retrying transient failures with backoff; a permanent
    failure, or one that outlasts the retries, sends the record to its dead-letter topic."""
    for attempt in range(1, retry.attempts + 1):
        try:
            await attempt_once()
            return
        except PermanentError as exc:
            await send_to_dlq(broker, record, f"permanent failure: {exc}", attempts=attempt)
            return
        except Exception as exc:
            if attempt == retry.attempts:
                await send_to_dlq(broker, record, f"failed {attempt} times: {exc!r}", attempt)
                return
            delay = retry.delay(attempt)
            log.warning(
                "retrying",
                operation=f"handle a record of {record.topic}",
                attempt=attempt,
                max_attempts=retry.attempts,
                error=repr(exc)[:300],
                delay_s=round(delay, 3),
                next=f"retried in {delay:.2f} s (partition {record.partition} waits)",
            )
            await asyncio.sleep(delay)


async def _raw_body(message: StreamMessage[Any]) -> Any:
    """Hand the bytes (a batch's list of them) to our own parser, so that a poison message never
    fails inside FastStream."""
    return message.body


def guarded_subscriber(broker: KafkaBroker, topic: str, group_id: str, **options: Any) -> Any:
    """The subscriber decorator of a guarded consumer: from the earliest offset for a new
    group, commits only after the handler returned, raw bytes in (plus batch `options`)."""
    return broker.subscriber(
        topic,
        group_id=group_id,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        decoder=_raw_body,
        **options,
    )


def subscribe_guarded(
    broker: KafkaBroker,
    topic: str,
    group_id: str,
    decode: Callable[[bytes], T],
    handle: Handle[T],
    retry: RetryPolicy | None = None,
) -> None:
    """Subscribe `handle` to `topic`, one record at a time, through `process_record`."""
    policy = retry or RetryPolicy()

    async def consume(body: bytes, message: KafkaMessage) -> None:
        record = message.raw_message
        assert isinstance(record, ConsumerRecord)  # not a batch subscriber
        await process_record(broker, record, decode, handle, policy)

    guarded_subscriber(broker, topic, group_id)(consume)
