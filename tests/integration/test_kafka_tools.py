"""Kafka's own ConsumerGroupCommand (the kafka-tools jar on the stack's classpath) lists and
describes a group of this test, as `kafka-consumer-groups.sh` would."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer, TopicPartition

from tests.stack_clients import StackEndpoints, produce
from vigie_stack.components import Kafka
from vigie_stack.config import StackConfig

CONSUMER_GROUPS = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand"


async def _tool(*args: str) -> str:
    command = Kafka(StackConfig.from_env()).tool_command(CONSUMER_GROUPS, *args)
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()
    return out.decode()


async def test_consumer_group_command_lists_and_describes_a_group(
    stack: StackEndpoints, namespace: str
) -> None:
    topic, group = f"{namespace}.vigie.tenders.v1", f"{namespace}-matcher"
    for _ in range(3):
        await produce(stack.kafka_bootstrap, topic, b"{}")
    # No auto-commit: on stop it would commit the position it fetched over the offset set here.
    consumer = AIOKafkaConsumer(
        bootstrap_servers=stack.kafka_bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        consumer.assign([TopicPartition(topic, 0)])
        await consumer.commit({TopicPartition(topic, 0): 0})
    finally:
        await consumer.stop()

    assert group in (await _tool("--list")).split()
    described = await _tool("--describe", "--group", group)
    assert "LAG" in described
    [row] = [line.split() for line in described.splitlines() if f" {topic} " in f" {line} "]
    assert row[:4] == [group, topic, "0", "0"]  # group, topic, partition, committed offset
