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
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from tests.chaos.fleet import (
    Chaos,
    Fleet,
    Workload,
    dead_letters,
    fleet_env,
    prepare,
    push,
    tally,
    until_settled,
)
from tests.stack_clients import (
    PrivateKafka,
    PrivateMailSink,
    PrivateMongo,
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
    chaos = Chaos(fleet, private_kafka, private_mongo, chance)
    schedule: list[Callable[[], Awaitable[None]]] = [
        lambda: chaos.kill_and_restart("matcher-0"),
        lambda: chaos.kill_and_restart("notifier-0"),
        lambda: chaos.kill_and_restart("ingest-0"),
        lambda: chaos.add_replica("notifier"),
        chaos.broker_down,
        lambda: chaos.mongo_down(chance.uniform(1.0, 3.0)),
        lambda: chaos.kill_and_restart("matcher-1"),
        lambda: chaos.kill_and_restart("notifier-1"),
        lambda: chaos.remove_replica("notifier"),
    ]

    async def inject() -> None:
        for step in schedule:
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
        await until_settled(private_mail, env, workload, fleet.logs, within=240)
        dead = await dead_letters(env)
    finally:
        fleet.stop_all()

    faults = chaos.faults
    counted = tally(workload, private_mail.received(), faults)
    print("chaos", counted.summary())
    for fault in faults:
        print(f"  {fault.kind} {fault.target}: {fault.started:.1f} → {fault.ended:.1f}")
    for pair, cause in counted.duplicates:
        print(f"  second copy of {pair}, explained by {cause}")
    assert counted.lost == []
    assert counted.unexpected == []
    assert counted.unexplained_duplicates == []
    assert dead == [], [dict(r.headers) for r in dead]
    assert len(faults) == len(schedule)
