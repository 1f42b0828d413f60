"""Several notifier processes in one consumer group: a rebalance mid-stream (one instance added,
one killed with SIGKILL) loses no message and never has two instances send one idempotency key.

The only second copy the design allows is the crash window (docs/RELIABILITY.md): the killed
instance had handed a message to the SMTP server and died before recording it, so another
sends it again once the lease expires. Each second copy must be explained by that kill.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from aiokafka import AIOKafkaProducer
from pymongo.asynchronous.database import AsyncDatabase

from shared.events import MATCHES_TOPIC
from shared.kafka.topics import ensure_topics
from shared.mongo import Document
from tests.chaos.fleet import Fault, Fleet, explain
from tests.factories import make_enterprise, make_match, make_tender
from tests.stack_clients import (
    TEST_SECRETS,
    PrivateMailSink,
    StackEndpoints,
    group_members,
    vigie_env,
    wait_until_consumed,
)
from vigie.enterprise_store import upsert_enterprises

ENTERPRISES, TENDERS = 12, 20  # 240 messages


async def test_a_rebalance_mid_stream_sends_every_message_once(
    stack: StackEndpoints,
    namespace: str,
    db: AsyncDatabase[Document],
    private_mail: PrivateMailSink,
    tmp_path: Path,
) -> None:
    enterprises = [make_enterprise() for _ in range(ENTERPRISES)]
    await upsert_enterprises(db, enterprises)
    now = datetime.now(UTC)
    matches = [
        make_match(enterprise, make_tender(title=f"Replicas {namespace} {t}"), at=now)
        for t in range(TENDERS)
        for enterprise in enterprises
    ]
    expected = {
        (str(e.contacts.email), f"Replicas {namespace} {t}")
        for t in range(TENDERS)
        for e in enterprises
    }
    topic = f"{namespace}.{MATCHES_TOPIC}"
    await ensure_topics(stack.kafka_bootstrap, [topic], partitions=6)
    fleet = Fleet(_env(stack, namespace, private_mail.port), tmp_path)
    first, _ = fleet.add("notifier"), fleet.add("notifier")
    try:
        # Both in the group before any match: on a busy machine the second process may start
        # after the first has sent everything, and no instance would then share the work.
        group = f"{namespace}-notifier"
        assert await group_members(stack.kafka_bootstrap, f"{namespace}.", group, 2) == 2
        await _produce(
            stack.kafka_bootstrap, topic, [(m.key, m.model_dump_json()) for m in matches]
        )
        await _until_caught(private_mail, expected, len(expected) // 4)
        fleet.add("notifier")  # a third instance joins: the group rebalances
        await _until_caught(private_mail, expected, len(expected) // 2)
        killed_at = time.time()
        first.signal(signal.SIGKILL)  # its partitions and its leased messages move on
        # The kill lands after the signal is sent: the instance may have had a message accepted
        # in between, so the fault lasts until the process is seen dead.
        dead_at = time.time()
        caught = await _until_caught(private_mail, expected, len(expected), within=90)
        await wait_until_consumed(stack.kafka_bootstrap, group, topic, 60)
        await _until_empty_outbox(db)
        caught = _caught(private_mail, expected)
    finally:
        fleet.stop_all()

    copies = Counter(pair for pair, _ in caught)
    assert set(copies) == expected
    kill = Fault("kill -9", "notifier-0", killed_at, dead_at)
    times: dict[tuple[str, str], list[float]] = {}
    for pair, arrived in caught:
        times.setdefault(pair, []).append(arrived)
    unexplained = [
        pair for pair, n in copies.items() if n > 1 and explain(sorted(times[pair]), [kill]) is None
    ]
    assert unexplained == []
    assert all(n <= 2 for n in copies.values())
    # The instances shared the work: the records name at least two that recorded sends.
    senders = await db["deliveries"].distinct("settled_by", {"status": "sent"})
    assert len(senders) >= 2


def _env(stack: StackEndpoints, namespace: str, smtp_port: int) -> dict[str, str]:
    return vigie_env(
        stack,
        namespace,
        # The private SMTP sink, whose received messages keep their arrival times.
        VIGIE_SMTP_HOST="127.0.0.1",
        VIGIE_SMTP_PORT=str(smtp_port),
        VIGIE_LOG_FORMAT="json",
        **TEST_SECRETS,
        VIGIE_DELIVERY_LEASE_SECONDS="6",
        VIGIE_DELIVERY_POLL_SECONDS="0.5",
        VIGIE_SMTP_RATE_PER_SECOND="40",  # slow enough for the rebalance to land mid-stream
        VIGIE_SMTP_RATE_BURST="5",
    )


async def _produce(bootstrap: str, topic: str, records: list[tuple[str, str]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        sent = [
            await producer.send(topic, value.encode(), key=key.encode()) for key, value in records
        ]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


def _caught(
    mail: PrivateMailSink, expected: set[tuple[str, str]]
) -> list[tuple[tuple[str, str], float]]:
    """Every copy the SMTP sink holds of the expected messages, with its arrival time."""
    caught = [((m.to, m.subject.split(" — ")[0]), m.arrived) for m in mail.received()]
    return [(pair, arrived) for pair, arrived in caught if pair in expected]


async def _until_caught(
    mail: PrivateMailSink, expected: set[tuple[str, str]], count: int, within: float = 60
) -> list[tuple[tuple[str, str], float]]:
    deadline = time.monotonic() + within
    while True:
        caught = _caught(mail, expected)
        if len({pair for pair, _ in caught}) >= count:
            return caught
        assert time.monotonic() < deadline, f"{len(caught)} of {count} messages within {within} s"
        await asyncio.sleep(0.3)


async def _until_empty_outbox(db: AsyncDatabase[Document], within: float = 30) -> None:
    deadline = time.monotonic() + within
    while await db["outbox"].count_documents({}):
        assert time.monotonic() < deadline, "the outbox never emptied"
        await asyncio.sleep(0.3)
