"""Batch intake (`shared.kafka.batch`, written for the notifier): a batch is handled as one, and
what cannot succeed is dead-lettered alone."""

from __future__ import annotations

from typing import Any, cast

from aiokafka import ConsumerRecord
from faststream.kafka import KafkaBroker

from shared.kafka.batch import process_batch
from shared.kafka.consumer import PermanentError, RetryPolicy
from shared.kafka.coordinates import Consumed

NO_WAIT = RetryPolicy(attempts=2, base_seconds=0.0, cap_seconds=0.0)


class _Broker:
    def __init__(self) -> None:
        self.dead: list[tuple[bytes, dict[str, str]]] = []

    async def publish(self, value: bytes, *, topic: str, key: Any, headers: dict[str, str]) -> None:
        self.dead.append((value, headers))


def _record(offset: int, value: bytes) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord("t", 0, offset, 0, 0, b"k", value, None, 1, len(value), [])


def _decode(value: bytes) -> str:
    if not value.isdigit():
        raise ValueError("not a number")
    return value.decode()


async def test_a_batch_is_handled_once_and_a_poison_record_goes_to_the_dlq_alone() -> None:
    broker, seen = _Broker(), list[list[tuple[str, int]]]()

    async def handle(batch: list[Consumed[str]]) -> None:
        seen.append([(c.event, c.at.offset) for c in batch])

    records = [_record(0, b"1"), _record(1, b"oops"), _record(2, b"3")]
    await process_batch(cast(KafkaBroker, broker), records, _decode, handle, NO_WAIT)

    assert seen == [[("1", 0), ("3", 2)]]
    [(value, headers)] = broker.dead
    assert value == b"oops"
    assert headers["x-vigie-source-offset"] == "1"
    assert headers["x-vigie-error"].startswith("cannot parse")


async def test_a_record_that_cannot_succeed_is_found_one_by_one() -> None:
    broker, handled = _Broker(), list[str]()

    async def handle(batch: list[Consumed[str]]) -> None:
        if any(c.event == "13" for c in batch):
            raise PermanentError("unlucky")
        handled.extend(c.event for c in batch)

    records = [_record(0, b"1"), _record(1, b"13"), _record(2, b"3")]
    await process_batch(cast(KafkaBroker, broker), records, _decode, handle, NO_WAIT)

    assert handled == ["1", "3"]
    [(value, headers)] = broker.dead
    assert value == b"13"
    assert headers["x-vigie-error"] == "permanent failure: unlucky"
