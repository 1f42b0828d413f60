"""Reads consumer groups, their committed offsets and the dead-letter topics from Kafka.

The Kafka adapter of the lag exporter and of `vigie ops status`: the admin API lists the
groups, their members and committed offsets; a consumer with no group reads the partitions'
bounds and the records whose timestamps give the lag in seconds (the record at each group's
committed offset) and the newest reason of each dead-letter topic. The arithmetic is
`vigie.lag`'s.

Only topics whose names start with the topic prefix are looked at (Vigie's `VIGIE_TOPIC_PREFIX`,
empty in production), and a group only through its commits on such topics: a group counts
whether or not it has a live member.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.coordinator.protocol import ConsumerProtocolMemberMetadata
from aiokafka.protocol.admin import (
    DescribeGroupsRequest_v0,
    DescribeGroupsRequest_v1,
    DescribeGroupsRequest_v2,
)
from aiokafka.protocol.api import Request

from shared.kafka.dead_letter_headers import ERROR, SOURCE_TOPIC
from vigie.lag import (
    DeadLetterTopic,
    GroupLag,
    LagSnapshot,
    PartitionLag,
    PartitionOffsets,
    dead_letter_depth,
    is_dead_letter_topic,
    lag_messages,
    lag_seconds,
    next_offset,
)

RECORD_WAIT_SECONDS = 3.0


# aiokafka ships no type information: its Request is Any to mypy.
class _DescribeClassicGroups(
    Request[DescribeGroupsRequest_v0 | DescribeGroupsRequest_v1 | DescribeGroupsRequest_v2]  # type: ignore[misc]
):
    """DescribeGroups capped at v2: aiokafka 0.14 decodes a v3 answer with the v2 schema (no
    authorized_operations field) and fails on Kafka 4 ("Buffer underrun decoding string")."""

    API_KEY = 15

    def __init__(self, groups: list[str]) -> None:
        self._groups = groups

    def build(
        self,
        request_struct_class: type[
            DescribeGroupsRequest_v0 | DescribeGroupsRequest_v1 | DescribeGroupsRequest_v2
        ],
    ) -> DescribeGroupsRequest_v0 | DescribeGroupsRequest_v1 | DescribeGroupsRequest_v2:
        return request_struct_class(self._groups)


async def read_snapshot(bootstrap: str, topic_prefix: str = "") -> LagSnapshot:
    """Every group committed on a topic of the prefix, its lag and members; every DLQ's depth."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="vigie-lag")
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False, client_id="vigie-lag"
    )
    await admin.start()
    try:
        await consumer.start()
        try:
            return await _read(admin, consumer, topic_prefix)
        finally:
            await consumer.stop()
    finally:
        await admin.close()


async def _read(admin: AIOKafkaAdminClient, consumer: AIOKafkaConsumer, prefix: str) -> LagSnapshot:
    names = [name for name, _ in await admin.list_consumer_groups()]
    described = await _describe(admin, names)
    commits = {name: await _commits(admin, name, prefix) for name in names}
    # A group's topics: those it committed on, and those its live members subscribe to (a
    # group that has not committed yet still has a lag: all it has not read).
    group_topics = {
        name: {tp.topic for tp in commits[name]}
        | {t for t in described.get(name, _UNKNOWN).topics if t.startswith(prefix)}
        for name in names
    }
    group_topics = {name: topics for name, topics in group_topics.items() if topics}
    topics = [t for t in await admin.list_topics() if t.startswith(prefix)]
    partitions = await _partitions(
        admin, {*topics, *(t for ts in group_topics.values() for t in ts)}
    )
    starts, ends = await _bounds(consumer, partitions)
    positions = [
        PartitionOffsets(
            group, tp.topic, tp.partition, commits[group].get(tp), starts[tp], ends[tp]
        )
        for group, wanted in group_topics.items()
        for tp in partitions
        if tp.topic in wanted
    ]
    now = time.time()
    stamps = await _timestamps(
        consumer, {(p.topic, p.partition, next_offset(p)) for p in positions if lag_messages(p)}
    )
    groups = []
    for group in sorted(group_topics):
        lags = tuple(
            PartitionLag(p, lag_messages(p), _age(p, stamps, now))
            for p in positions
            if p.group == group
        )
        about = described.get(group, _UNKNOWN)
        groups.append(GroupLag(group, about.state, about.members, lags))
    dead_topics = [t for t in topics if is_dead_letter_topic(t)]
    dead = await _dead_letters(consumer, dead_topics, partitions, starts, ends)
    return LagSnapshot(now, tuple(groups), dead)


def _age(
    position: PartitionOffsets, stamps: dict[tuple[str, int, int], int], now: float
) -> float | None:
    key = (position.topic, position.partition, next_offset(position))
    return lag_seconds(lag_messages(position), stamps.get(key), now)


async def _commits(
    admin: AIOKafkaAdminClient, group: str, prefix: str
) -> dict[TopicPartition, int | None]:
    """The group's committed offset on each partition of the prefix's topics (-1: none)."""
    offsets = await admin.list_consumer_group_offsets(group)
    return {
        tp: (meta.offset if meta.offset >= 0 else None)
        for tp, meta in offsets.items()
        if tp.topic.startswith(prefix)
    }


async def _partitions(admin: AIOKafkaAdminClient, topics: Iterable[str]) -> list[TopicPartition]:
    """Every partition of the topics that exist (a group may keep commits on a deleted one)."""
    wanted = sorted(set(topics))
    if not wanted:
        return []
    described = await admin.describe_topics(wanted)
    return sorted(
        TopicPartition(d["topic"], p["partition"])
        for d in described
        if d.get("error_code") == 0
        for p in d.get("partitions", [])
    )


async def _bounds(
    consumer: AIOKafkaConsumer, partitions: list[TopicPartition]
) -> tuple[dict[TopicPartition, int], dict[TopicPartition, int]]:
    if not partitions:
        return {}, {}
    starts = await consumer.beginning_offsets(partitions)
    ends = await consumer.end_offsets(partitions)
    return starts, ends


async def _timestamps(
    consumer: AIOKafkaConsumer, wanted: set[tuple[str, int, int]]
) -> dict[tuple[str, int, int], int]:
    """The timestamp (ms) of the first record at or after each (topic, partition, offset).

    Several groups may wait at different offsets of one partition: one round per offset.
    """
    found: dict[tuple[str, int, int], int] = {}
    by_partition: dict[TopicPartition, list[int]] = defaultdict(list)
    for topic, partition, offset in sorted(wanted):
        by_partition[TopicPartition(topic, partition)].append(offset)
    while by_partition:
        round_ = {tp: offsets.pop(0) for tp, offsets in by_partition.items()}
        by_partition = {tp: offsets for tp, offsets in by_partition.items() if offsets}
        records = await _first_records(consumer, round_)
        for tp, record in records.items():
            found[(tp.topic, tp.partition, round_[tp])] = record.timestamp
    return found


async def _first_records(
    consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int]
) -> dict[TopicPartition, Any]:
    """The first record at or after the offset of each partition, read within a bound."""
    consumer.assign(list(offsets))
    for tp, offset in offsets.items():
        consumer.seek(tp, offset)
    found: dict[TopicPartition, Any] = {}
    deadline = time.monotonic() + RECORD_WAIT_SECONDS
    while len(found) < len(offsets) and time.monotonic() < deadline:
        missing = [tp for tp in offsets if tp not in found]
        batch = await consumer.getmany(*missing, timeout_ms=200, max_records=len(missing) * 50)
        for tp, records in batch.items():
            if records and tp not in found:
                found[tp] = records[0]
    consumer.assign([])
    return found


@dataclass(frozen=True)
class _Described:
    state: str
    members: int
    topics: frozenset[str]  # what its live members subscribe to


_UNKNOWN = _Described("Unknown", 0, frozenset())


def _subscription(metadata: bytes) -> set[str]:
    """The topics a member subscribes to, from its consumer-protocol metadata."""
    try:
        return set(ConsumerProtocolMemberMetadata.decode(metadata).subscription)
    except Exception:  # not the consumer protocol (a connector, a stream app): no topics known
        return set()


async def _describe(admin: AIOKafkaAdminClient, groups: list[str]) -> dict[str, _Described]:
    """Each group's state, live members and their subscriptions, asked of its coordinator."""
    by_coordinator: dict[int, list[str]] = defaultdict(list)
    for group in groups:
        by_coordinator[await admin.find_coordinator(group)].append(group)
    found: dict[str, _Described] = {}
    for node, names in by_coordinator.items():
        # A private member: aiokafka's public describe_consumer_groups is the broken one.
        response = await admin._client.send(node, _DescribeClassicGroups(names))
        for error_code, group, state, _type, _protocol, members, *_ in response.groups:
            if error_code == 0:
                topics = frozenset(t for m in members for t in _subscription(m[3]))
                found[group] = _Described(state, len(members), topics)
    return found


async def _dead_letters(
    consumer: AIOKafkaConsumer,
    topics: list[str],
    partitions: list[TopicPartition],
    starts: dict[TopicPartition, int],
    ends: dict[TopicPartition, int],
) -> tuple[DeadLetterTopic, ...]:
    """Each dead-letter topic's depth and the headers of its newest record."""
    result = []
    for topic in sorted(topics):
        tps = [tp for tp in partitions if tp.topic == topic]
        depth = sum(dead_letter_depth(starts[tp], ends[tp]) for tp in tps)
        last = {tp: ends[tp] - 1 for tp in tps if dead_letter_depth(starts[tp], ends[tp])}
        records = list((await _first_records(consumer, last)).values()) if last else []
        newest = max(records, key=lambda r: r.timestamp, default=None)
        headers = (
            {k: v.decode(errors="replace") for k, v in (newest.headers or ())} if newest else {}
        )
        result.append(
            DeadLetterTopic(
                topic,
                depth,
                headers.get(ERROR),
                headers.get(SOURCE_TOPIC),
                newest.timestamp / 1000 if newest is not None else None,
            )
        )
    return tuple(result)


def run(bootstrap: str, topic_prefix: str = "") -> LagSnapshot:
    """`read_snapshot` from synchronous code."""
    return asyncio.run(read_snapshot(bootstrap, topic_prefix))
