"""Notifier throughput: emails per second over SMTP, daily digests, and the whole notifier as
its history grows.

Run with the stack up: `python -m benchmarks.notifier_email [--emails 3000] [--digests 10000]
[--pipeline 3000] [--history 0 1000 10000 100000] [--no-write]`. Prints Markdown tables and
rewrites the block between the `measured` markers of docs/PERFORMANCE-notifier.md, leaving the
rest of the page alone. Measured, never asserted.

The receiving server is an aiosmtpd `Sink` (accepts and discards) in its own process, so the
figures are the notifier's and not the disk of the shared mail sink; `--smtp HOST:PORT` targets
another server. Three measures (0 skips one):

1. `SmtpMailer` alone: rendered alert emails (text + HTML, unsubscribe headers) over 1, 4 and 8
   reused connections.
2. Daily digests of N enterprises (3 tenders each): rendered from the templates and sent.
3. The whole notifier, once per `--history` size: a fresh database holding that many settled
   deliveries (~2 KB each), then `--pipeline` match events on Kafka → records and outbox in
   FerretDB → dispatcher → SMTP, timed until every `sent` outcome is read back from
   `vigie.deliveries.v1`; with the time of one outbox poll at that size, the CPU each email
   cost the notifier's process, FerretDB, Kafka and the SMTP sink, and the MongoDB commands and
   documents written per email. `--own-mongo` runs a FerretDB of the benchmark's own for these
   runs, so its CPU is theirs alone. The notifier is traced as `python -m notifier` traces it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiokafka import AIOKafkaProducer, ConsumerRecord
from pymongo import monitoring
from pymongo.asynchronous.database import AsyncDatabase

from benchmarks.process_cpu import cpu_seconds
from benchmarks.report import replace_measured_block
from notifier.bootstrap import NotifierService, bootstrap
from notifier.links import LinkBuilder
from notifier.mailer import SmtpMailer
from notifier.render import Sender, render_alert, render_digest
from notifier.settings import NotifierSettings
from notifier.signing import LinkSigner
from shared.enterprises import Enterprise
from shared.events import (
    DELIVERIES_TOPIC,
    MATCHES_TOPIC,
    DeliveryEvent,
    MatchEvent,
    MatchReason,
    Tender,
    match_id_for,
)
from shared.kafka.topic_reader import read_from_start
from shared.logging import configure_logging
from shared.mongo import Document, make_client
from shared.tracing import configure_tracing
from vigie_stack import probes
from vigie_stack.components import Mongo
from vigie_stack.config import StackConfig

OUT = Path(__file__).parents[1] / "docs" / "PERFORMANCE-notifier.md"
SENDER = Sender(
    "Vigie", "alertes@vigie.example", "300 rue Saint-Charles Ouest, Longueuil", "aide@vigie.example"
)
LINKS = LinkBuilder(
    LinkSigner("benchmark-only-signing-key"), "https://vigie.example", "d@vigie.example"
)
DEADLINE = datetime.now(UTC) + timedelta(days=30)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def sink_server() -> Iterator[tuple[str, int, int]]:
    """aiosmtpd's discarding server in a child process, until the benchmark ends: its host,
    port and process id."""
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Sink",
        ],
    )
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield "127.0.0.1", port, process.pid
    finally:
        process.terminate()
        process.wait(10)


@contextmanager
def private_mongo() -> Iterator[tuple[str, int]]:
    """The stack's MongoDB stand-in binary on a free port with a data folder of its own, until
    the benchmark ends: its URL and process id. Its CPU is then the benchmark's alone, not mixed
    with what the neighbours' tests ask of the shared one."""
    port = _free_port()
    url = f"mongodb://127.0.0.1:{port}/"
    with tempfile.TemporaryDirectory(prefix="vigie-bench-mongo-") as data:
        process = subprocess.Popen(  # noqa: S603 - the stack's own binary
            [
                str(Mongo(StackConfig.from_env()).binary),
                "--listen-addr",
                f"127.0.0.1:{port}",
                "--data-dir",
                data,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    probes.mongo(url)
                    break
                except Exception:
                    if time.monotonic() > deadline or process.poll() is not None:
                        raise
                    time.sleep(0.1)
            yield url, process.pid
        finally:
            process.terminate()
            process.wait(30)


def _match(index: int, enterprise_id: str, language: str = "fr") -> MatchEvent:
    tender = Tender(
        source="bench",
        source_id=f"AO-{index}",
        title=f"Entretien ménager des bâtiments, lot {index}",
        language="fr",
        buyer={"name": "Ville de Longueuil", "id": "ville-longueuil"},
        classifications=[{"scheme": "UNSPSC", "code": "76111500"}],
        estimated_value={"amount": "150000.00", "currency": "CAD"},
        reserved_for=["social_economy"],
        published_at=datetime.now(UTC),
        submission_deadline=DEADLINE,
        deadline_timezone="America/Toronto",
        documents_url="https://seao.example/avis/1",
    )
    return MatchEvent(
        kind="new",
        match_id=match_id_for(tender.uid, 1, enterprise_id),
        enterprise_id=enterprise_id,
        profile_id="p1",
        score=1.0,
        language=language,
        tender=tender,
        reasons=[
            MatchReason(code="code", text="UNSPSC 76111500 fait partie de votre profil 7611"),
            MatchReason(code="territory", text="Longueuil est dans votre zone de service"),
        ],
    )


async def _run_all(count: int, concurrency: int, job: Callable[[int], Awaitable[None]]) -> float:
    """Seconds taken by `count` jobs run `concurrency` at a time."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(count):
        queue.put_nowait(index)

    async def worker() -> None:
        while not queue.empty():
            await job(queue.get_nowait())

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


async def smtp_rate(host: str, port: int, count: int, connections: int) -> float:
    mailer = SmtpMailer(host, port, SENDER, connections=connections)
    email = render_alert(
        _match(0, "ent-0"), "America/Toronto", SENDER, LINKS.for_enterprise("ent-0", "fr")
    )

    async def send(index: int) -> None:
        await mailer.send(f"bench-{index}@example.org", email, f"bench-{uuid.uuid4().hex}")

    try:
        seconds = await _run_all(count, connections, send)
    finally:
        await mailer.close()
    return count / seconds


async def digests(host: str, port: int, enterprises: int) -> tuple[float, float]:
    """Seconds to render the digests alone, and to render and send them (8 connections)."""
    matches = [_match(i, "ent", "fr") for i in range(3)]
    started = time.perf_counter()
    for index in range(enterprises):
        render_digest(
            matches, "fr", "America/Toronto", SENDER, LINKS.for_enterprise(f"e{index}", "fr")
        )
    render_only = time.perf_counter() - started
    mailer = SmtpMailer(host, port, SENDER, connections=8)

    async def build_and_send(index: int) -> None:
        email = render_digest(
            matches, "fr", "America/Toronto", SENDER, LINKS.for_enterprise(f"e{index}", "fr")
        )
        await mailer.send(f"digest-{index}@example.org", email, f"digest-{uuid.uuid4().hex}")

    try:
        total = await _run_all(enterprises, 8, build_and_send)
    finally:
        await mailer.close()
    return render_only, total


@dataclass(frozen=True)
class PipelineRun:
    history: int
    emails: int
    seconds: float
    preload_seconds: float
    poll_ms: float
    cpu_ms: float
    ferretdb_cpu_ms: float
    kafka_cpu_ms: float
    sink_cpu_ms: float
    load: float
    mongo_commands: float
    """MongoDB commands (round trips) per email, whoever sent them."""
    mongo_writes: float
    """Documents inserted, updated or deleted per email."""

    @property
    def rate(self) -> float:
        return self.emails / self.seconds


def _settled() -> Document:
    """A delivery settled long ago, as the notifier leaves it: ~2 KB with its match event."""
    match = _match(1_000_000, "old-0")
    at = datetime.now(UTC) - timedelta(days=30)
    return {
        "_id": f"{match.match_id}#new#email",
        "type": "alert",
        "match_id": match.match_id,
        "enterprise_id": match.enterprise_id,
        "profile_id": "p1",
        "tender_uid": match.tender.uid,
        "revision": 1,
        "channel": "email",
        "kind": "new",
        "match": match.model_dump_json(),
        "source": {"topic": "vigie.matches.v1", "partition": "0", "offset": "0"},
        "status": "sent",
        "due_at": at,
        "attempts": 1,
        "created_at": at,
        "updated_at": at,
        "detail": "",
    }


async def _preload_history(db: AsyncDatabase[Document], history: int) -> None:
    template = _settled()
    chunk: list[Document] = []
    for index in range(history):
        match_id = f"old-{index:08d}"
        chunk.append({**template, "_id": f"{match_id}#new#email", "match_id": match_id})
        if len(chunk) == 1000:
            await db["deliveries"].insert_many(chunk, ordered=False)
            chunk = []
    if chunk:
        await db["deliveries"].insert_many(chunk, ordered=False)


async def _sent_events(bootstrap: str, topic: str, count: int, within: float) -> int:
    """Counts `sent` outcomes on the deliveries topic until `count` arrived (or time ran out)."""
    sent: set[str] = set()
    counted = 0

    def enough(records: list[ConsumerRecord[bytes, bytes]]) -> bool:
        nonlocal counted
        for record in records[counted:]:
            event = DeliveryEvent.model_validate_json(record.value or b"")
            if event.status == "sent":
                sent.add(event.idempotency_key)
        counted = len(records)
        return len(sent) >= count

    await read_from_start(bootstrap, topic, enough, within, batch_records=2000)
    return len(sent)


async def _poll_ms(service: NotifierService, rounds: int = 20) -> float:
    """Milliseconds one dispatcher poll takes (the outbox query) with this history stored."""
    started = time.perf_counter()
    for _ in range(rounds):
        await service.store.due(datetime.now(UTC), 64)
    return (time.perf_counter() - started) * 1000 / rounds


def _stack_pid(config: StackConfig, component: str) -> str | None:
    try:
        return (config.run_dir / f"{component}.pid").read_text().strip()
    except OSError:
        return None


class MongoCounter(monitoring.CommandListener):
    """The MongoDB commands this process sends and the documents they write: counts that do
    not depend on the neighbours' load, unlike CPU time."""

    WRITES = frozenset({"insert", "update", "delete"})

    def __init__(self) -> None:
        self.commands = 0
        self.writes = 0
        self.by_name: Counter[str] = Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.commands += 1
        collection = event.command.get(event.command_name)
        on = f" {collection}" if isinstance(collection, str) else ""  # not a getMore's cursor id
        self.by_name[f"{event.command_name}{on}"] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        if event.command_name in self.WRITES:
            self.writes += int(event.reply.get("n", 0))

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


MONGO = MongoCounter()
monitoring.register(MONGO)  # every client made from here on, the notifier's included


class CpuMeter:
    """CPU used by the notifier's process and by the FerretDB, Kafka and SMTP sink processes."""

    def __init__(
        self, config: StackConfig, sink_pid: int | None, mongo_pid: int | None = None
    ) -> None:
        self._pids = {
            "ferretdb": mongo_pid or _stack_pid(config, "mongo"),
            "kafka": _stack_pid(config, "kafka"),
            "sink": sink_pid,
        }
        self._start = self._now()

    def _now(self) -> dict[str, float]:
        used = {name: cpu_seconds(pid) for name, pid in self._pids.items()}
        return {**used, "notifier": time.process_time()}

    def ms_per(self, count: int) -> dict[str, float]:
        now = self._now()
        return {name: (now[name] - self._start[name]) * 1000 / count for name in now}


async def pipeline_rate(
    host: str,
    port: int,
    count: int,
    history: int,
    sink_pid: int | None = None,
    mongo: tuple[str, int] | None = None,
) -> PipelineRun:
    """Emails per second through the whole notifier, Kafka and FerretDB included, with
    `history` settled deliveries already stored; `mongo` is a private server (URL, pid) to use
    instead of the stack's."""
    config = StackConfig.from_env()
    namespace = f"bench{uuid.uuid4().hex[:8]}"
    mongo_url, mongo_pid = mongo if mongo else (config.mongo_url, None)
    url = f"{mongo_url.rstrip('/')}/{namespace}"
    settings = NotifierSettings(
        kafka_bootstrap=config.kafka_bootstrap,
        mongodb_url=url,
        topic_prefix=f"{namespace}.",
        notifier_group_id=f"{namespace}-notifier",
        smtp_host=host,
        smtp_port=port,
        smtp_connections=8,
        smtp_rate_per_second=10_000,
        smtp_rate_burst=10_000,
        delivery_concurrency=32,
        unsubscribe_signing_key="benchmark-only-signing-key",
        log_level="WARNING",
        log_format="json",
    )
    client = make_client(url)
    db = client[namespace]
    enterprises = [
        Enterprise.model_validate(
            {
                "id": f"ent-{i}",
                "name": f"Coop {i}",
                "social_economy": {"kind": "cooperative"},
                "contacts": {"email": f"coop-{i}@example.org"},
                "consent": {"email": {"granted": True, "at": datetime.now(UTC), "source": "bench"}},
                "profiles": [{"id": "p1"}],
            }
        )
        for i in range(count)
    ]
    started = time.perf_counter()
    await _preload_history(db, history)
    preload = time.perf_counter() - started
    await db["enterprises"].insert_many([e.to_document() for e in enterprises])
    service = bootstrap(settings)
    await service.start()
    producer = AIOKafkaProducer(bootstrap_servers=config.kafka_bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        poll = await _poll_ms(service)
        matches = [_match(index, f"ent-{index}") for index in range(count)]
        records = [(m.model_dump_json().encode(), m.key.encode()) for m in matches]
        started, meter = time.perf_counter(), CpuMeter(config, sink_pid, mongo_pid)
        commands, writes, by_name = MONGO.commands, MONGO.writes, MONGO.by_name.copy()
        for value, key in records:
            await producer.send(settings.topic(MATCHES_TOPIC), value, key=key)
        await producer.flush()
        topic = settings.topic(DELIVERIES_TOPIC)
        sent = await _sent_events(config.kafka_bootstrap, topic, count, within=count * 2 + 60)
        seconds = time.perf_counter() - started
        cpu = meter.ms_per(count)
        commands, writes = MONGO.commands - commands, MONGO.writes - writes
        by_name = MONGO.by_name - by_name
        print(
            "MongoDB commands per email:",
            ", ".join(f"{name} {n / count:.3f}" for name, n in by_name.most_common()),
            flush=True,
        )
        load = os.getloadavg()[0]
    finally:
        await producer.stop()
        await service.stop()
        await client.drop_database(namespace)
        await client.close()
    if sent < count:
        raise RuntimeError(f"only {sent} of {count} emails went out in time")
    return PipelineRun(
        history,
        count,
        seconds,
        preload,
        poll,
        cpu["notifier"],
        cpu["ferretdb"],
        cpu["kafka"],
        cpu["sink"],
        load,
        commands / count,
        writes / count,
    )


def _pipeline_rows(runs: list[PipelineRun]) -> list[str]:
    return [
        "| deliveries in history | matches | emails/s (Kafka → SMTP) | one outbox poll "
        "| CPU per email: notifier / FerretDB / Kafka / SMTP sink | load average "
        "| MongoDB commands / documents written per email | history loaded in |",
        "|---|---|---|---|---|---|---|---|",
        *(
            f"| {run.history:,} | {run.emails:,} | {run.rate:,.0f} | {run.poll_ms:.1f} ms "
            f"| {run.cpu_ms:.1f} / {run.ferretdb_cpu_ms:.1f} / {run.kafka_cpu_ms:.1f} / "
            f"{run.sink_cpu_ms:.1f} ms | {run.load:.1f} "
            f"| {run.mongo_commands:.2f} / {run.mongo_writes:.2f} "
            f"| {run.preload_seconds:.0f} s |"
            for run in runs
        ),
    ]


async def main(
    emails: int,
    digest_count: int,
    pipeline: int,
    histories: list[int],
    smtp: str | None,
    write: bool,
    own_mongo: bool = False,
) -> None:
    configure_logging("json", "WARNING")  # one log line per message would be measured too
    # As `python -m notifier` does: spans are made (and exported nowhere), so their cost counts.
    configure_tracing("vigie-notifier")
    rows: list[str] = []
    runs: list[PipelineRun] = []
    with sink_server() as (sink_host, sink_port, sink_pid), ExitStack() as servers:
        mongo = servers.enter_context(private_mongo()) if own_mongo else None
        host, port = (
            (smtp.split(":")[0], int(smtp.split(":")[1])) if smtp else (sink_host, sink_port)
        )
        if emails:
            rates = {n: await smtp_rate(host, port, emails, n) for n in (1, 4, 8)}
            rows += [
                f"| SMTP, {n} reused connection(s), {emails} alert emails | {r:,.0f} emails/s |"
                for n, r in rates.items()
            ]
        if digest_count:
            render_only, digest_total = await digests(host, port, digest_count)
            rows += [
                f"| render {digest_count:,} daily digests (3 tenders each, text + HTML) "
                f"| {render_only:.1f} s |",
                f"| render and send {digest_count:,} daily digests, 8 connections "
                f"| {digest_total:.1f} s ({digest_count / digest_total:,.0f} digests/s) |",
            ]
        for history in histories if pipeline else []:
            run = await pipeline_rate(
                host, port, pipeline, history, None if smtp else sink_pid, mongo
            )
            print(
                f"history {history:,}: {run.rate:,.0f} emails/s, poll {run.poll_ms:.1f} ms, "
                f"CPU {run.cpu_ms:.1f} + {run.ferretdb_cpu_ms:.1f} + {run.kafka_cpu_ms:.1f} + "
                f"{run.sink_cpu_ms:.1f} ms/email, load {run.load:.1f}, MongoDB "
                f"{run.mongo_commands:.2f} commands, {run.mongo_writes:.2f} writes/email",
                flush=True,
            )
            runs.append(run)
    parts = []
    if rows:
        parts.append("\n".join(["| measure | result |", "|---|---|", *rows]))
    if runs:
        parts.append("\n".join(_pipeline_rows(runs)))
    table = "\n\n".join(parts)
    print(table)
    if write:
        replace_measured_block(OUT, table, "Notifier performance")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--emails", type=int, default=3000, help="0 to skip")
    parser.add_argument("--digests", type=int, default=10_000, help="0 to skip")
    parser.add_argument("--pipeline", type=int, default=3000, help="matches per run, 0 to skip")
    parser.add_argument(
        "--history",
        type=int,
        nargs="+",
        default=[0, 1000, 10_000, 100_000],
        help="settled deliveries stored before each whole-notifier run",
    )
    parser.add_argument("--smtp", help="HOST:PORT of another SMTP server to send to")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument(
        "--own-mongo",
        action="store_true",
        help="run a private FerretDB for the whole-notifier runs, so its CPU is theirs alone",
    )
    args = parser.parse_args()
    asyncio.run(
        main(
            args.emails,
            args.digests,
            args.pipeline,
            args.history,
            args.smtp,
            not args.no_write,
            args.own_mongo,
        )
    )
