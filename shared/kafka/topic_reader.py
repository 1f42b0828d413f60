"""Reading a topic from its beginning, outside any consumer group: for checks that watch what
was published (the tests' stack clients, the benchmarks). Nothing is committed.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, ConsumerRecord

Records = list[ConsumerRecord[bytes, bytes]]


async def read_from_start(
    bootstrap: str,
    topic: str,
    enough: Callable[[Records], bool],
    within: float,
    batch_records: int | None = None,
) -> Records:
    """The records of `topic` from its first, read until `enough(records)` holds (asked after
    each fetch) or `within` seconds have passed: whatever was read by then."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
    )
    await consumer.start()
    records: Records = []
    deadline = time.monotonic() + within
    try:
        while not enough(records) and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=200, max_records=batch_records)
            for partition_records in batch.values():
                records.extend(partition_records)
    finally:
        await consumer.stop()
    return records
