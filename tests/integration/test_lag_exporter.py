"""`vigie ops exporter` against the real broker: lag in messages and seconds for a group with no
live member, its member count, and a dead-letter topic's depth, as Prometheus reads them."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from shared.kafka.dead_letter_headers import ERROR
from tests.stack_clients import StackEndpoints, free_port

MINUTE_MS = 60_000


async def _produce(
    bootstrap: str, topic: str, stamps_ms: list[int], headers: list[tuple[str, bytes]] | None = None
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for stamp in stamps_ms:
            await producer.send_and_wait(
                topic, b"{}", partition=0, timestamp_ms=stamp, headers=headers or []
            )
    finally:
        await producer.stop()


async def _commit(bootstrap: str, group: str, topic: str, offset: int) -> None:
    """Commit `offset` for `group` on partition 0, then leave: the group has no live member."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group)
    await consumer.start()
    try:
        consumer.assign([TopicPartition(topic, 0)])
        await consumer.commit({TopicPartition(topic, 0): offset})
    finally:
        await consumer.stop()


@pytest.fixture
def exporter(stack: StackEndpoints, namespace: str, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "VIGIE_KAFKA_BOOTSTRAP": stack.kafka_bootstrap}
    args = ["ops", "exporter", "--port", str(port), "--interval", "0.5"]
    with (tmp_path / "exporter.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "vigie.cli", *args, "--topic-prefix", f"{namespace}."],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield f"http://127.0.0.1:{port}/metrics"
    finally:
        process.terminate()
        process.wait(timeout=10)


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def _scrape_until(
    url: str, wanted: tuple[str, dict[str, str]], within: float = 20.0
) -> Samples:
    """The samples of the first scrape that holds `wanted`; fails after `within` seconds."""
    deadline = time.monotonic() + within
    samples: Samples = {}
    while time.monotonic() < deadline:
        try:
            async with httpx.AsyncClient(timeout=2) as client:
                text = (await client.get(url)).text
        except httpx.HTTPError:
            text = ""
        samples = {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text)
            for s in family.samples
        }
        if (wanted[0], tuple(sorted(wanted[1].items()))) in samples:
            return samples
        await asyncio.sleep(0.2)
    raise AssertionError(f"{wanted} not exported within {within}s; last scrape: {samples}")


async def test_lag_of_a_group_with_no_member_in_messages_and_seconds(
    stack: StackEndpoints, namespace: str, exporter: str
) -> None:
    topic, dlq, group = (
        f"{namespace}.vigie.tenders.v1",
        f"{namespace}.vigie.tenders.v1.dlq",
        f"{namespace}-matcher",
    )
    now_ms = int(time.time() * 1000)
    # Five records; the group read the first two. The oldest unread one is ten minutes old.
    await _produce(
        stack.kafka_bootstrap,
        topic,
        [now_ms - 20 * MINUTE_MS, now_ms - 15 * MINUTE_MS, now_ms - 10 * MINUTE_MS, now_ms, now_ms],
    )
    await _commit(stack.kafka_bootstrap, group, topic, 2)
    await _produce(stack.kafka_bootstrap, dlq, [now_ms, now_ms], [(ERROR, b"not JSON")])

    partition = {"group": group, "topic": topic, "partition": "0"}
    samples = await _scrape_until(exporter, ("vigie_consumer_lag_messages", partition))
    key = tuple(sorted(partition.items()))
    assert samples[("vigie_consumer_lag_messages", key)] == 3
    assert 600 <= samples[("vigie_consumer_lag_seconds", key)] < 700
    # The topic's other partitions hold nothing: nothing to consume, no age.
    other = tuple(sorted({**partition, "partition": "1"}.items()))
    assert samples[("vigie_consumer_lag_messages", other)] == 0
    assert samples[("vigie_consumer_lag_seconds", other)] == 0
    assert samples[("vigie_consumer_group_members", (("group", group),))] == 0
    samples = await _scrape_until(exporter, ("vigie_dead_letter_depth", {"topic": dlq}))
    assert samples[("vigie_dead_letter_depth", (("topic", dlq),))] == 2


async def test_a_caught_up_group_has_no_lag_and_counts_its_live_member(
    stack: StackEndpoints, namespace: str, exporter: str
) -> None:
    topic, group = f"{namespace}.vigie.matches.v1", f"{namespace}-notifier"
    await _produce(stack.kafka_bootstrap, topic, [int(time.time() * 1000) - 5 * MINUTE_MS])
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=stack.kafka_bootstrap, group_id=group, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        await consumer.getone()
        await consumer.commit()
        partition = {"group": group, "topic": topic, "partition": "0"}
        deadline = time.monotonic() + 20
        while True:
            samples = await _scrape_until(exporter, ("vigie_consumer_lag_messages", partition))
            members = samples[("vigie_consumer_group_members", (("group", group),))]
            if members == 1 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.3)
        assert members == 1
        key = tuple(sorted(partition.items()))
        assert samples[("vigie_consumer_lag_messages", key)] == 0
        assert samples[("vigie_consumer_lag_seconds", key)] == 0
    finally:
        await consumer.stop()
