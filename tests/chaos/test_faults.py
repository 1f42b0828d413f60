"""Every service and server killed mid-stream, counted: nothing lost, nothing sent twice beyond
the one window the design allows (docs/RELIABILITY.md).

The servers are private (their own ports and data): the shared local stack is never touched.
Tenders are pushed over HTTP at a steady rate while, at random moments (seed logged), each
replica of each service is killed with SIGKILL and restarted, the Kafka broker is killed with
SIGKILL and restarted, MongoDB is stopped and restarted, and a notifier replica is added and
another removed. Then every expected (recipient, tender) pair must have arrived at the SMTP
sink once.
"""

from __future__ import annotations

import asyncio
import random
import signal
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from shared.events import MATCHES_TOPIC, TENDERS_TOPIC
from shared.kafka.topics import all_topics
from shared.mongo import make_client
from tests.chaos.fleet import (
    Fault,
    Fleet,
    Workload,
    fleet_env,
    prepare,
    push,
    tally,
)
from tests.stack_clients import (
    PrivateKafka,
    PrivateMailSink,
    PrivateMongo,
    read_all,
    wait_until_consumed,
)
from vigie.services_runner import wait_for_ingest

TENDERS, ENTERPRISES, PER_SECOND = 96, 24, 2.0  # 4 recipients a tender: 384 messages


async def test_kills_and_restarts_lose_nothing_and_duplicate_only_what_the_design_allows(
    private_kafka: PrivateKafka,
    private_mongo: PrivateMongo,
    private_mail: PrivateMailSink,
    tmp_path: Path,
) -> None:
    seed = random.randrange(1 << 30)
    print(f"chaos seed {seed}")
    chance = random.Random(seed)
    namespace = f"c{uuid.uuid4().hex[:8]}"
    env = fleet_env(private_kafka.bootstrap, private_mongo.url, private_mail.port, namespace)
    workload = Workload.build(namespace, ENTERPRISES, TENDERS)
    api_key = await prepare(env["VIGIE_MONGODB_URL"], workload)
    fleet = Fleet(env, tmp_path)
    faults: list[Fault] = []

    async def fault(kind: str, target: str, act: Callable[[], Awaitable[object]]) -> None:
        started = time.time()
        await act()
        faults.append(Fault(kind, target, started, time.time()))

    async def kill_and_restart(service: str, index: int) -> None:
        [replica] = [r for r in fleet.replicas if r.name == f"{service}-{index}"]

        async def act() -> None:
            replica.signal(signal.SIGKILL)
            await asyncio.sleep(chance.uniform(0.5, 2.0))
            replica.start()

        await fault("kill -9, restart", replica.name, act)

    async def broker_down() -> None:
        await asyncio.to_thread(private_kafka.kill)
        await asyncio.to_thread(private_kafka.start)

    async def mongo_down() -> None:
        await asyncio.to_thread(private_mongo.stop)
        await asyncio.sleep(chance.uniform(1.0, 3.0))
        await asyncio.to_thread(private_mongo.start)

    async def add_notifier() -> None:
        fleet.add("notifier")

    async def remove_notifier() -> None:
        fleet.running("notifier")[-1].signal(signal.SIGTERM)

    schedule: list[tuple[str, str, Callable[[], Awaitable[None]]]] = [
        ("kill -9, restart", "matcher", lambda: kill_and_restart("matcher", 0)),
        ("kill -9, restart", "notifier", lambda: kill_and_restart("notifier", 0)),
        ("kill -9, restart", "ingest", lambda: kill_and_restart("ingest", 0)),
        ("add a replica", "notifier", lambda: fault("add a replica", "notifier", add_notifier)),
        ("kill -9, restart", "kafka", lambda: fault("kill -9, restart", "kafka", broker_down)),
        ("stop, restart", "mongodb", lambda: fault("stop, restart", "mongodb", mongo_down)),
        ("kill -9, restart", "matcher", lambda: kill_and_restart("matcher", 1)),
        ("kill -9, restart", "notifier", lambda: kill_and_restart("notifier", 1)),
        ("remove a replica", "notifier", lambda: fault("remove", "notifier", remove_notifier)),
    ]

    async def inject() -> None:
        for _, _, step in schedule:
            await asyncio.sleep(chance.uniform(1.0, 4.0))
            await step()

    for service, count in (("ingest", 1), ("matcher", 2), ("notifier", 2)):
        for _ in range(count):
            fleet.add(service)
    try:
        await asyncio.to_thread(wait_for_ingest, fleet.ingest_url, 90)
        await asyncio.gather(
            push(fleet.ingest_url, api_key, workload.tenders, PER_SECOND), inject()
        )
        await _until_settled(private_mail, private_mongo, env, workload, fleet, within=240)
        dead = [
            record
            for topic in all_topics(env["VIGIE_TOPIC_PREFIX"])
            if topic.endswith(".dlq")
            for record in await read_all(private_kafka.bootstrap, topic)
        ]
    finally:
        fleet.stop_all()

    counted = tally(workload, private_mail.received(), faults)
    print("chaos", counted.summary(), [(f.kind, f.target) for f in faults])
    assert counted.lost == []
    assert counted.unexpected == []
    assert counted.unexplained_duplicates == []
    assert dead == [], [dict(r.headers) for r in dead]
    assert len(faults) == len(schedule)


async def _until_settled(
    mail: PrivateMailSink,
    mongo: PrivateMongo,
    env: dict[str, str],
    workload: Workload,
    fleet: Fleet,
    within: float,
) -> None:
    """Until every expected pair arrived, then until the pipeline is idle: each group has
    consumed its topic and the notifiers' outbox is empty (nothing left that could still be
    sent). Fails after `within` seconds, naming what is missing."""
    deadline = time.monotonic() + within
    expected = workload.expected()
    while True:
        counted = tally(workload, mail.received(), [])
        if not counted.lost:
            break
        assert time.monotonic() < deadline, (
            f"{len(counted.lost)} of {len(expected)} messages missing, e.g. {counted.lost[:3]}; "
            f"logs in {fleet.logs}"
        )
        await asyncio.sleep(1)
    bootstrap, prefix = env["VIGIE_KAFKA_BOOTSTRAP"], env["VIGIE_TOPIC_PREFIX"]
    left = max(5.0, deadline - time.monotonic())
    await wait_until_consumed(
        bootstrap, env["VIGIE_MATCHER_GROUP_ID"], f"{prefix}{TENDERS_TOPIC}", within=left
    )
    await wait_until_consumed(
        bootstrap, env["VIGIE_NOTIFIER_GROUP_ID"], f"{prefix}{MATCHES_TOPIC}", within=left
    )
    client = make_client(env["VIGIE_MONGODB_URL"])
    try:
        db = client.get_default_database()
        while await db["outbox"].count_documents({}):
            assert time.monotonic() < deadline, "the outbox never emptied"
            await asyncio.sleep(0.5)
    finally:
        await client.close()
