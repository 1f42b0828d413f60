"""Topic creation: every topic Vigie uses and its dead-letter twin, created if missing."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from shared.events import DELIVERIES_TOPIC, MATCHES_TOPIC, TENDERS_TOPIC

DEFAULT_PARTITIONS = 3
DLQ_SUFFIX = ".dlq"


def dlq_topic(topic: str) -> str:
    return f"{topic}{DLQ_SUFFIX}"


def all_topics(prefix: str = "") -> list[str]:
    names = [f"{prefix}{name}" for name in (TENDERS_TOPIC, MATCHES_TOPIC, DELIVERIES_TOPIC)]
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
        return missing
    finally:
        await admin.close()
