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
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from ingest.publishers import PublisherDirectory
from shared.enterprises import Enterprise
from shared.mongo import database, make_client
from tests.factories import enterprise_data, tender_data
from tests.stack_clients import CaughtMail, free_port
from vigie.enterprise_store import upsert_enterprises

# One UNSPSC family per group of enterprises: a tender of group g fits exactly group g.
FAMILIES = ("76111500", "72101500", "72121400", "80101500", "81111500", "43211500")
PEPPER = "chaos-only-pepper"
SIGNING_KEY = "chaos-only-unsubscribe-signing-key"
# How long after the SMTP server accepted a message its outcome may take to be recorded (the
# settler's batched write): a notifier killed this long after an acceptance may have died
# before recording it. Bounded in docs/RELIABILITY.md.
RECORDING_WINDOW_SECONDS = 5.0


@dataclass(frozen=True)
class Workload:
    run: str
    enterprises: list[Enterprise]
    tenders: list[dict[str, Any]]

    @classmethod
    def build(cls, run: str, enterprises: int, tenders: int) -> Workload:
        people = [
            Enterprise.model_validate(
                enterprise_data(
                    id=f"{run}-e{i}",
                    contacts={"email": f"{run}-e{i}@example.org"},
                    profiles=[
                        {
                            "id": "p1",
                            "codes": [
                                {"scheme": "UNSPSC", "prefix": FAMILIES[i % len(FAMILIES)][:4]}
                            ],
                            "territories": ["CA-QC-AGG-LONGUEUIL"],
                        }
                    ],
                )
            )
            for i in range(enterprises)
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
        db = database(client, mongodb_url)
        await upsert_enterprises(db, workload.enterprises)
        directory = PublisherDirectory(db, PEPPER)
        await directory.ensure_indexes()
        _, key = await directory.add("Longueuil", ["ville-longueuil"], ["longueuil"])
        return key
    finally:
        await client.close()


async def push(url: str, key: str, tenders: list[dict[str, Any]], per_second: float) -> float:
    """POST every tender at a steady rate, each until ingest acknowledges it (a refused
    connection or a 5xx while ingest or its servers are down is tried again: the same notice
    again is recognised as unchanged). Returns when all were acknowledged; the seconds taken."""
    started = time.monotonic()
    async with httpx.AsyncClient(
        base_url=url, timeout=10, headers={"Authorization": f"Bearer {key}"}
    ) as client:
        for n, tender in enumerate(tenders):
            await asyncio.sleep(max(0.0, started + n / per_second - time.monotonic()))
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
