"""Guarded consumption by batches: one effect and one offset commit for many records.

A handler that writes a batch at once (`insert_many`, `bulk_write`) saves a round trip per
record to MongoDB and one offset commit per record to Kafka. The guarantees are those of
`shared.kafka.consumer`: the offsets are committed only after the handler returned, a record
that cannot be parsed goes to `<topic>.dlq` alone, and a batch that keeps failing (or raises
`PermanentError`) is taken again record by record, so only the record that cannot succeed is
dead-lettered. The handler must be idempotent, as every Vigie effect is: records of a batch
that failed halfway are handled again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any, TypeVar

import structlog
from aiokafka import ConsumerRecord
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from shared.kafka.consumer import (
    PermanentError,
    RetryPolicy,
    coordinates,
    guarded_subscriber,
    handle_with_retries,
    send_to_dlq,
)
from shared.kafka.coordinates import Consumed

T = TypeVar("T")
log = structlog.get_logger()


HandleBatch = Callable[[list[Consumed[T]]], Awaitable[None]]


async def _one_by_one(
    broker: KafkaBroker,
    pairs: list[tuple[ConsumerRecord[Any, Any], Consumed[T]]],
    handle: HandleBatch[T],
    retry: RetryPolicy,
) -> None:
    for record, consumed in pairs:
        with structlog.contextvars.bound_contextvars(**consumed.at.fields()):
            await handle_with_retries(broker, record, partial(handle, [consumed]), retry)


async def process_batch(
    broker: KafkaBroker,
    records: Sequence[ConsumerRecord[Any, Any]],
    decode: Callable[[bytes], T],
    handle: HandleBatch[T],
    retry: RetryPolicy,
) -> None:
    """Parse every record, dead-letter those that cannot be, and handle the rest as one batch;
    if the batch keeps failing, handle its records one by one."""
    pairs: list[tuple[ConsumerRecord[Any, Any], Consumed[T]]] = []
    for record in records:
        try:
            event = decode(record.value or b"")
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            await send_to_dlq(broker, record, f"cannot parse: {exc}", attempts=1)
            continue
        pairs.append((record, Consumed(event, coordinates(record))))
    if len(pairs) < 2:  # one record: its own retries and dead letter, not twice as many
        await _one_by_one(broker, pairs, handle, retry)
        return
    batch = [consumed for _, consumed in pairs]
    for attempt in range(1, retry.attempts + 1):
        try:
            await handle(batch)
            return
        except PermanentError as exc:
            log.info("batch_has_a_permanent_failure", error=str(exc)[:300], size=len(batch))
            break
        except Exception as exc:
            failure = {
                "operation": f"handle a batch of {pairs[0][1].at.topic}",
                "size": len(batch),
                "offsets": _offsets(batch),
                "error": repr(exc)[:300],
            }
            if attempt == retry.attempts:
                alone = "each record handled alone, with its own retries and dead letter"
                log.warning("batch_failed", **failure, attempts=attempt, next=alone)
                break
            delay = retry.delay(attempt)
            log.warning(
                "retrying_batch",
                **failure,
                attempt=attempt,
                max_attempts=retry.attempts,
                delay_s=round(delay, 3),
                next=f"retried in {delay:.2f} s",
            )
            await asyncio.sleep(delay)
    await _one_by_one(broker, pairs, handle, retry)


def _offsets(batch: Sequence[Consumed[Any]]) -> str:
    """Where a batch's records are, for logs: `partition:first-last` per partition."""
    spans: dict[int, tuple[int, int]] = {}
    for item in batch:
        at = item.at
        low, high = spans.get(at.partition, (at.offset, at.offset))
        spans[at.partition] = (min(low, at.offset), max(high, at.offset))
    return ", ".join(f"{p}:{low}-{high}" for p, (low, high) in sorted(spans.items()))


def subscribe_guarded_batch(
    broker: KafkaBroker,
    topic: str,
    group_id: str,
    decode: Callable[[bytes], T],
    handle: HandleBatch[T],
    retry: RetryPolicy | None = None,
    *,
    max_records: int = 200,
    wait_ms: int = 50,
) -> None:
    """Subscribe `handle` to batches of up to `max_records` records (whatever is there, or what
    arrives within `wait_ms`); the batch's offsets are committed once it returned."""
    policy = retry or RetryPolicy()

    async def consume(body: Any, message: KafkaMessage) -> None:
        records = message.raw_message
        # A batch subscriber: a tuple from aiokafka, a list from FastStream's TestKafkaBroker.
        assert isinstance(records, tuple | list)
        await process_batch(broker, records, decode, handle, policy)

    guarded_subscriber(
        broker,
        topic,
        group_id,
        batch=True,
        max_records=max_records,
        batch_timeout_ms=wait_ms,
    )(consume)
