"""Kafka adapter: the enterprise changes announced on `vigie.enterprises.v1`, as they come.

Every matcher instance holds the whole profile index, so every instance reads every change: the
feed has no consumer group and commits nothing. It starts at the topic's end, before the
catalogue's full load, so no change can fall between the load and the first change read.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from pydantic import ValidationError

from shared.events import EnterpriseChanged
from shared.kafka.topics import partitions_of

log = structlog.get_logger()
Apply = Callable[[list[str]], Awaitable[None]]
RETRY_SECONDS = 1.0


class EnterpriseChangeFeed:
    def __init__(self, bootstrap: str, topic: str, apply: Apply) -> None:
        self._bootstrap = bootstrap
        self._topic = topic
        self._apply = apply
        self._consumer: AIOKafkaConsumer | None = None  # made in start(): it needs the loop
        # Asks the end offsets for catch_up() on a connection of its own: the feed's is held by
        # its fetch long-poll (up to 500 ms), which made every tender wait for it.
        self._offsets: AIOKafkaConsumer | None = None
        self._partitions: list[TopicPartition] = []
        self._applied: dict[TopicPartition, int] = {}
        self._progress = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None
        self.applied_at = 0.0  # time.monotonic() of the last batch applied

    async def start(self) -> None:
        numbers = await partitions_of(self._bootstrap, self._topic)
        if not numbers:
            raise RuntimeError(f"topic {self._topic} does not exist")
        self._consumer = await self._started_consumer("vigie-matcher-enterprises")
        self._offsets = await self._started_consumer("vigie-matcher-enterprise-offsets")
        self._partitions = [TopicPartition(self._topic, number) for number in numbers]
        self._consumer.assign(self._partitions)
        await self._consumer.seek_to_end(*self._partitions)
        for partition in self._partitions:
            self._applied[partition] = await self._consumer.position(partition)
        self._task = asyncio.create_task(self._run())

    async def _started_consumer(self, client_id: str) -> AIOKafkaConsumer:
        """A consumer in no group that commits nothing (every matcher reads every change)."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap,
            group_id=None,
            enable_auto_commit=False,
            client_id=client_id,
        )
        await consumer.start()
        return consumer

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._consumer is not None:
            await self._consumer.stop()
        if self._offsets is not None:
            await self._offsets.stop()

    async def catch_up(self, within: float = 5.0) -> bool:
        """Wait until every change announced before this call is applied; False on timeout
        (logged: matching goes on with what is known, the full reload repairs the rest)."""
        if self._offsets is None:
            raise RuntimeError("the enterprise change feed is not started")
        ends = await self._offsets.end_offsets(self._partitions)

        def caught_up() -> bool:
            return all(self._applied[p] >= ends[p] for p in self._partitions)

        async with self._progress:
            try:
                await asyncio.wait_for(self._progress.wait_for(caught_up), within)
            except TimeoutError:
                log.warning(
                    "enterprise_changes_behind",
                    operation="catch up with the enterprise changes",
                    topic=self._topic,
                    waited=within,
                    next="matching goes on with the profiles applied so far",
                )
                return False
        return True

    async def _run(self) -> None:
        assert self._consumer is not None  # started before this task
        while True:
            batch = await self._consumer.getmany(timeout_ms=500, max_records=2_000)
            if not batch:
                continue
            ids = list(dict.fromkeys(self._ids(batch)))
            await self._apply_until_done(ids)
            async with self._progress:
                for partition, records in batch.items():
                    self._applied[partition] = records[-1].offset + 1
                self.applied_at = time.monotonic()
                self._progress.notify_all()

    def _ids(self, batch: dict[TopicPartition, list[Any]]) -> list[str]:
        ids = []
        for partition, records in batch.items():
            for record in records:
                try:
                    ids.append(EnterpriseChanged.model_validate_json(record.value).enterprise_id)
                except ValidationError as exc:
                    # Not a change we can read: nothing to apply; the full reload covers any
                    # enterprise it may have been about.
                    log.error(
                        "enterprise_change_unreadable",
                        topic=partition.topic,
                        partition=partition.partition,
                        offset=record.offset,
                        error=str(exc)[:300],
                        next="skipped; the hourly full reload covers its enterprise",
                    )
        return ids

    async def _apply_until_done(self, ids: list[str]) -> None:
        attempt = 0
        while True:
            attempt += 1
            try:
                await self._apply(ids)
                return
            except Exception as exc:  # MongoDB away: the changes wait, in order
                log.error(
                    "enterprise_changes_not_applied",
                    operation="read the changed enterprises into the index",
                    collection="enterprises",
                    enterprises=len(ids),
                    attempt=attempt,
                    error=repr(exc)[:300],
                    retry_in_seconds=RETRY_SECONDS,
                    next=f"retried in {RETRY_SECONDS:g} s; later changes wait, in order",
                )
                await asyncio.sleep(RETRY_SECONDS)
