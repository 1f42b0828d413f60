"""Topic creation: every topic Vigie uses and its dead-letter twin, created if missing.

Each topic has `VIGIE_TOPIC_PARTITIONS` partitions (6 unless set): the most instances of one
service that share its work. Order holds per key, and every topic is keyed so that the order
that matters holds: `vigie.tenders.v1` by tender uid (a tender's revisions are matched in
order), `vigie.matches.v1`, `vigie.deliveries.v1` and `vigie.enterprises.v1` by enterprise id
(an enterprise's alerts, outcomes and profile changes in order). A dead-letter topic keeps the
key of the record it holds. An existing topic keeps its partition count: adding partitions
moves keys to other partitions, which an operator does on purpose (docs/SCALING.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from shared.events import DELIVERIES_TOPIC, ENTERPRISES_TOPIC, MATCHES_TOPIC, TENDERS_TOPIC
from shared.settings import CommonSettings

DEFAULT_PARTITIONS = 6
DLQ_SUFFIX = ".dlq"
SETTLE_SECONDS = 10.0


def dlq_topic(topic: str) -> str:
    return f"{topic}{DLQ_SUFFIX}"


def all_topics(prefix: str = "") -> list[str]:
    topics = (TENDERS_TOPIC, MATCHES_TOPIC, DELIVERIES_TOPIC, ENTERPRISES_TOPIC)
    names = [f"{prefix}{name}" for name in topics]
    return names + [dlq_topic(name) for name in names]


async def ensure_topics(
    bootstrap: str, names: Iterable[str], partitions: int = DEFAULT_PARTITIONS, replication: int = 1
) -> list[str]:
    """Create the topics that do not exist yet; returns those it created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="vigie-topics")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [name for name in names if name not in existing]
        if not missing:
            return []
        # Another service may create one between our listing and our request.
        with contextlib.suppress(TopicAlreadyExistsError):
            await admin.create_topics(
                [
                    NewTopic(name, num_partitions=partitions, replication_factor=replication)
                    for name in missing
                ]
            )
        await _until_described(admin, missing)
        return missing
    finally:
        await admin.close()


async def ensure_vigie_topics(settings: CommonSettings) -> list[str]:
    """A service's start: every Vigie topic under its prefix, with its partition count."""
    return await ensure_topics(
        settings.kafka_bootstrap,
        all_topics(settings.topic_prefix),
        partitions=settings.topic_partitions,
    )


async def _until_described(
    admin: AIOKafkaAdminClient, names: list[str], within: float = SETTLE_SECONDS
) -> None:
    """Until the broker describes each topic with its partitions, at most `within` seconds: one
    just created (here, or by a replica starting at the same moment) is briefly unknown to it or
    without leaders, and a `partitions_of` then would find none."""
    deadline = time.monotonic() + within
    pending = set(names)
    while pending and time.monotonic() < deadline:
        described = await admin.describe_topics(sorted(pending))
        pending -= {d["topic"] for d in described if d.get("error_code") == 0 and d["partitions"]}
        if pending:
            await asyncio.sleep(0.1)


async def partitions_of(bootstrap: str, topic: str) -> list[int]:
    """The partition numbers of a topic, from the broker itself (a consumer's cached metadata
    may not know a topic created a moment ago); empty if the topic does not exist."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="vigie-topics")
    await admin.start()
    try:
        described = await admin.describe_topics([topic])
    finally:
        await admin.close()
    found = [d for d in described if d.get("topic") == topic and d.get("error_code") == 0]
    return sorted(p["partition"] for d in found for p in d.get("partitions", []))
