"""The chaos harness: service processes (several replicas each) on private servers, a workload
whose recipients are known in advance, faults on a schedule, and the count of what came out.

Shared by `tests/chaos` (a few minutes) and `benchmarks/chaos.py` (longer, with figures).

Counting: every tender is built for one group of enterprises (a UNSPSC family of its own), so
the expected messages are the pairs (recipient, tender title). What the private SMTP sink
accepted is read from its folder: a pair never seen is *lost*, a pair seen n > 1 times counts
n - 1 *duplicates*. The design allows one kind of duplicate (docs/RELIABILITY.md): a notifier
that dies (or cannot reach MongoDB) after the SMTP server accepted a message and before its
outcome was recorded; once its lease expires the message is sent again. `explain` attributes
each duplicate to such a fault, or to nothing, and only an unexplained duplicate is a failure.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from aiokafka import ConsumerRecord

from ingest.publishers import PublisherDirectory
from shared.enterprises import Enterprise
from shared.events import MATCHES_TOPIC, TENDERS_TOPIC
from shared.kafka.topics import all_topics
from shared.mongo import database, make_client
from tests.factories import enterprise_data, tender_data
from tests.stack_clients import (
    CaughtMail,
    PrivateKafka,
    PrivateMailSink,
    PrivateMongo,
    free_port,
    read_all,
    wait_until_consumed,
)
from vigie.enterprise_store import upsert_enterprises

# One UNSPSC family per group of enterprises: a tender of group g fits exactly group g.
FAMILIES = ("76111500", "72101500", "72121400", "80101500", "81111500", "43211500")
PEPPER = "chaos-only-pepper"
SIGNING_KEY = "chaos-only-unsubscribe-signing-key"
# How long after the SMTP server accepted a message its outcome may take to be recorded (the
# settler's batched write): a notifier killed this long after an acceptance may have died
# before recording it. Bounded in docs/RELIABILITY.md.
RECORDING_WINDOW_SECONDS = 5.0


def enterprise_on(run: str, number: int, prefix: str) -> Enterprise:
    """Enterprise `number` of a run: one profile on the UNSPSC `prefix`, in the Longueuil
    agglomeration, instant email; its address names the run and the number."""
    return Enterprise.model_validate(
        enterprise_data(
            id=f"{run}-e{number}",
            contacts={"email": f"{run}-e{number}@example.org"},
            profiles=[
                {
                    "id": "p1",
                    "codes": [{"scheme": "UNSPSC", "prefix": prefix}],
                    "territories": ["CA-QC-AGG-LONGUEUIL"],
                }
            ],
        )
    )


@dataclass(frozen=True)
class Workload:
    run: str
    enterprises: list[Enterprise]
    tenders: list[dict[str, Any]]

    @classmethod
    def build(cls, run: str, enterprises: int, tenders: int) -> Workload:
        people = [
            enterprise_on(run, i, FAMILIES[i % len(FAMILIES)][:4]) for i in range(enterprises)
        ]
        notices = [
            tender_data(
                source_id=f"{run}-{n}",
                title=f"Chaos {run} {n}",
                classifications=[{"scheme": "UNSPSC", "code": FAMILIES[n % len(FAMILIES)]}],
            )
            for n in range(tenders)
        ]
        return cls(run, people, notices)

    def expected(self) -> Counter[tuple[str, str]]:
        """Each (recipient, tender title) pair once."""
        pairs: Counter[tuple[str, str]] = Counter()
        for n, tender in enumerate(self.tenders):
            family = n % len(FAMILIES)
            for i, enterprise in enumerate(self.enterprises):
                if i % len(FAMILIES) == family:
                    pairs[(str(enterprise.contacts.email), tender["title"])] += 1
        return pairs


def caught_pairs(caught: list[CaughtMail], run: str) -> dict[tuple[str, str], list[float]]:
    """The messages of this run by (recipient, tender title), with the times they arrived."""
    pairs: dict[tuple[str, str], list[float]] = {}
    for mail in caught:
        title = mail.subject.split(" — ")[0]
        if run in title:
            pairs.setdefault((mail.to, title), []).append(mail.arrived)
    return pairs


@dataclass(frozen=True)
class Fault:
    """One fault injected: what, and when it started and ended (unix time)."""

    kind: str
    target: str
    started: float
    ended: float

    @property
    def may_duplicate(self) -> bool:
        """Faults that can cut a notifier between the SMTP acceptance and the record."""
        return self.target.startswith("notifier") or self.target == "mongodb"


@dataclass
class Tally:
    expected: int
    delivered: int
    lost: list[tuple[str, str]]
    duplicates: list[tuple[tuple[str, str], Fault | None]]
    unexpected: list[tuple[str, str]]

    @property
    def unexplained_duplicates(self) -> list[tuple[str, str]]:
        return [pair for pair, fault in self.duplicates if fault is None]

    def summary(self) -> dict[str, int]:
        return {
            "expected": self.expected,
            "delivered": self.delivered,
            "lost": len(self.lost),
            "duplicated": len(self.duplicates),
            "duplicated_explained": len(self.duplicates) - len(self.unexplained_duplicates),
            "unexpected": len(self.unexpected),
        }


def tally(workload: Workload, caught: list[CaughtMail], faults: list[Fault]) -> Tally:
    expected = workload.expected()
    pairs = caught_pairs(caught, workload.run)
    duplicates = [
        (pair, explain(sorted(times), faults))
        for pair, times in pairs.items()
        for _ in range(len(times) - 1)
    ]
    return Tally(
        expected=len(expected),
        delivered=len([pair for pair in pairs if pair in expected]),
        lost=sorted(pair for pair in expected if pair not in pairs),
        duplicates=duplicates,
        unexpected=sorted(pair for pair in pairs if pair not in expected),
    )


def explain(times: list[float], faults: list[Fault]) -> Fault | None:
    """The fault that can account for a second copy: one that could cut a notifier between
    the first copy's acceptance and its record — starting at most the recording window after
    that acceptance — while the second copy came after the fault began."""
    first, second = times[0], times[1]
    for fault in faults:
        if not fault.may_duplicate:
            continue
        cut = first <= fault.ended and fault.started - first <= RECORDING_WINDOW_SECONDS
        if cut and second >= fault.started:
            return fault
    return None


@dataclass
class Replica:
    service: str
    index: int
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def name(self) -> str:
        return f"{self.service}-{self.index}"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", self.service],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def signal(self, how: signal.Signals, grace: float = 30) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(how)
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class Fleet:
    """The services as processes, each replica with its own ports and log, all in one
    namespace on the private servers."""

    env: dict[str, str]
    logs: Path
    replicas: list[Replica] = field(default_factory=list)
    ingest_port: int = field(default_factory=free_port)

    def add(self, service: str) -> Replica:
        index = len([r for r in self.replicas if r.service == service])
        env = {
            **self.env,
            "VIGIE_INGEST_PORT": str(self.ingest_port),
            "VIGIE_MATCHER_PORT": str(free_port()),
            "VIGIE_NOTIFIER_PORT": str(free_port()),
        }
        replica = Replica(service, index, env, self.logs / f"{service}-{index}.log")
        replica.start()
        self.replicas.append(replica)
        return replica

    def running(self, service: str) -> list[Replica]:
        return [r for r in self.replicas if r.service == service and r.running]

    def pids(self) -> dict[str, int | None]:
        """Each running replica's process id, by replica name."""
        return {r.name: r.process.pid for r in self.replicas if r.process is not None}

    def stop_all(self) -> None:
        for replica in self.replicas:
            replica.signal(signal.SIGKILL)

    @property
    def ingest_url(self) -> str:
        return f"http://127.0.0.1:{self.ingest_port}"


def fleet_env(
    kafka_bootstrap: str, mongo_url: str, smtp_port: int, namespace: str
) -> dict[str, str]:
    """The services' settings on the private servers, with a short lease so that a killed
    notifier's messages are taken over within seconds (its fence: half of it, 3 s, is still
    far above the SMTP timeout of a local sink)."""
    return {
        **os.environ,
        "VIGIE_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "VIGIE_MONGODB_URL": f"{mongo_url.rstrip('/')}/{namespace}",
        "VIGIE_TOPIC_PREFIX": f"{namespace}.",
        "VIGIE_TOPIC_PARTITIONS": "6",
        "VIGIE_SMTP_HOST": "127.0.0.1",
        "VIGIE_SMTP_PORT": str(smtp_port),
        "VIGIE_SMTP_TIMEOUT_SECONDS": "2",
        "VIGIE_LOG_FORMAT": "json",
        "VIGIE_LOG_LEVEL": "WARNING",
        "VIGIE_MATCHER_GROUP_ID": f"{namespace}-matcher",
        "VIGIE_NOTIFIER_GROUP_ID": f"{namespace}-notifier",
        "VIGIE_API_KEY_PEPPER": PEPPER,
        "VIGIE_UNSUBSCRIBE_SIGNING_KEY": SIGNING_KEY,
        "VIGIE_DELIVERY_LEASE_SECONDS": "6",
        "VIGIE_DELIVERY_POLL_SECONDS": "0.5",
        "VIGIE_DELIVERY_RETRY_BASE_SECONDS": "0.5",
        "VIGIE_DELIVERY_RETRY_CAP_SECONDS": "3",
    }


async def prepare(mongodb_url: str, workload: Workload) -> str:
    """Write the enterprises (before the matchers load their index) and a publisher; its key."""
    client = make_client(mongodb_url)
    try:
        await upsert_enterprises(database(client, mongodb_url), workload.enterprises)
    finally:
        await client.close()
    return await prepare_publisher(mongodb_url)


async def prepare_publisher(mongodb_url: str) -> str:
    """A publisher for the Longueuil buyer; its API key."""
    client = make_client(mongodb_url)
    try:
        directory = PublisherDirectory(database(client, mongodb_url), PEPPER)
        await directory.ensure_indexes()
        _, key = await directory.add("Longueuil", ["ville-longueuil"], ["longueuil"])
        return key
    finally:
        await client.close()


async def push(
    url: str,
    key: str,
    tenders: list[dict[str, Any]],
    per_second: float,
    posted: dict[str, float] | None = None,
) -> float:
    """POST every tender at a steady rate, each until ingest acknowledges it (a refused
    connection or a 5xx while ingest or its servers are down is tried again: the same notice
    again is recognised as unchanged). Returns when all were acknowledged; the seconds taken.
    `posted` gets each title and the unix time its first POST started."""
    started = time.monotonic()
    async with httpx.AsyncClient(
        base_url=url, timeout=10, headers={"Authorization": f"Bearer {key}"}
    ) as client:
        for n, tender in enumerate(tenders):
            await asyncio.sleep(max(0.0, started + n / per_second - time.monotonic()))
            if posted is not None:
                posted[tender["title"]] = time.time()
            await _post_until_accepted(client, tender)
    return time.monotonic() - started


async def _post_until_accepted(client: httpx.AsyncClient, tender: dict[str, Any]) -> None:
    while True:
        try:
            response = await client.post("/v1/tenders", json=tender)
        except httpx.HTTPError:
            await asyncio.sleep(0.2)
            continue
        if response.status_code in (200, 201, 202):
            return
        if response.status_code < 500 and response.status_code != 429:
            raise AssertionError(f"ingest refused a chaos tender: {response.text}")
        await asyncio.sleep(0.2)


@dataclass
class Chaos:
    """The faults, each recorded with when it started and ended."""

    fleet: Fleet
    kafka: PrivateKafka
    mongo: PrivateMongo
    chance: random.Random
    faults: list[Fault] = field(default_factory=list)

    async def _record(self, kind: str, target: str, act: Callable[[], Awaitable[None]]) -> None:
        started = time.time()
        await act()
        self.faults.append(Fault(kind, target, started, time.time()))

    async def kill_and_restart(self, name: str) -> None:
        """SIGKILL one replica (`notifier-1`), and start it again a moment later."""
        [replica] = [r for r in self.fleet.replicas if r.name == name]

        async def act() -> None:
            replica.signal(signal.SIGKILL)
            await asyncio.sleep(self.chance.uniform(0.5, 2.0))
            replica.start()

        await self._record("kill -9, restart", name, act)

    async def broker_down(self) -> None:
        """SIGKILL the Kafka broker, and start it again on the same log."""

        async def act() -> None:
            await asyncio.to_thread(self.kafka.kill)
            await asyncio.to_thread(self.kafka.start)

        await self._record("kill -9, restart", "kafka", act)

    async def mongo_down(self, seconds: float) -> None:
        """Stop MongoDB for about `seconds`, and start it again."""

        async def act() -> None:
            await asyncio.to_thread(self.mongo.stop)
            await asyncio.sleep(seconds)
            await asyncio.to_thread(self.mongo.start)

        await self._record("stop, restart", "mongodb", act)

    async def add_replica(self, service: str) -> None:
        async def act() -> None:
            self.fleet.add(service)

        await self._record("add a replica", service, act)

    async def remove_replica(self, service: str) -> None:
        """SIGTERM the newest running replica: it leaves the group as a scale-in does."""
        replica = self.fleet.running(service)[-1]

        async def act() -> None:
            replica.signal(signal.SIGTERM)

        await self._record("remove a replica", replica.name, act)


async def until_settled(
    mail: PrivateMailSink, env: dict[str, str], workload: Workload, logs: Path, within: float
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
            f"logs in {logs}"
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


async def dead_letters(env: dict[str, str]) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record of the namespace's dead-letter topics."""
    return [
        record
        for topic in all_topics(env["VIGIE_TOPIC_PREFIX"])
        if topic.endswith(".dlq")
        for record in await read_all(env["VIGIE_KAFKA_BOOTSTRAP"], topic)
    ]
