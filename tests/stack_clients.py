"""Test-side clients of the local stack: endpoints, the mail sink's API, reading a topic."""

from __future__ import annotations

import asyncio
import email.policy
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from shared.kafka.topic_reader import read_from_start
from vigie.lag_reader import read_snapshot
from vigie_stack import probes
from vigie_stack.components import Kafka, Mail, Mongo
from vigie_stack.config import StackConfig
from vigie_stack.stack import ensure_up


@dataclass(frozen=True)
class StackEndpoints:
    kafka_bootstrap: str
    mongo_base_url: str
    smtp_host: str
    smtp_port: int
    mail_api_url: str

    def mongo_url(self, database: str) -> str:
        return f"{self.mongo_base_url.rstrip('/')}/{database}"


def start_stack() -> StackEndpoints:
    config = StackConfig.from_env()
    ensure_up()
    return StackEndpoints(
        config.kafka_bootstrap, config.mongo_url, config.host, config.smtp_port, config.mail_api_url
    )


class MailSink:
    """Reads what the SMTP capture server received, through its HTTP API."""

    def __init__(self, api_url: str) -> None:
        self.api_url = api_url

    async def messages_to(self, address: str) -> list[dict[str, Any]]:
        # Generous: a sink holding hundreds of messages lists slowly on a busy machine.
        async with httpx.AsyncClient(base_url=self.api_url, timeout=30) as client:
            listing = (await client.get("/api/messages")).json()
            wanted = [m for m in listing if any(address in to for to in m["to"])]
            return [(await client.get(f"/api/messages/{m['id']}")).json() for m in wanted]

    async def wait_for(
        self, address: str, count: int = 1, within: float = 30.0
    ) -> list[dict[str, Any]]:
        deadline = time.monotonic() + within
        while True:
            messages = await self.messages_to(address)
            if len(messages) >= count or time.monotonic() > deadline:
                return messages
            await asyncio.sleep(0.2)


async def read_topic(
    bootstrap: str, topic: str, count: int, within: float = 20.0
) -> list[ConsumerRecord[bytes, bytes]]:
    """At least `count` records from the start of a topic, if they come within `within` seconds
    (whatever was read by then otherwise)."""
    return await read_from_start(bootstrap, topic, lambda read: len(read) >= count, within)


async def read_all(
    bootstrap: str, topic: str, within: float = 20.0
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record the topic holds now: read up to the end offsets it has when called.

    This proves what was *not* published without waiting a fixed time, once whatever could
    publish has been observed to finish (a producer's acknowledged send, `wait_until_consumed`).
    A topic that does not exist holds nothing. Fails if the records are not read within `within`.
    """
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None
    )
    records: list[ConsumerRecord[bytes, bytes]] = []
    partitions = await _partitions(bootstrap, topic)
    if not partitions:
        return records
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        deadline = time.monotonic() + within
        while any([await consumer.position(tp) < end for tp, end in ends.items()]):
            assert time.monotonic() < deadline, f"{topic} not read to its end within {within} s"
            batch = await consumer.getmany(timeout_ms=200)
            for partition_records in batch.values():
                records.extend(
                    r
                    for r in partition_records
                    if r.offset < ends[TopicPartition(r.topic, r.partition)]
                )
    finally:
        await consumer.stop()
    return records


async def group_members(
    bootstrap: str, topic_prefix: str, group: str, count: int, within: float = 60.0
) -> int:
    """The group's live members once there are `count`, or what there are after `within` s."""
    deadline = time.monotonic() + within
    while True:
        snapshot = await read_snapshot(bootstrap, topic_prefix)
        found = {g.group: g.members for g in snapshot.groups}.get(group, 0)
        if found == count or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.5)


async def wait_until_consumed(bootstrap: str, group: str, topic: str, within: float = 30.0) -> None:
    """Returns once `group` has committed, on every partition of `topic`, the end offset the
    topic has when called: every record published so far has been handled, and its effects are
    durable (Vigie's consumers commit only after them). Fails after `within` seconds."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None
    )
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    partitions = await _partitions(bootstrap, topic)
    await consumer.start()
    await admin.start()
    try:
        ends = {tp: end for tp, end in (await consumer.end_offsets(partitions)).items() if end}
        deadline = time.monotonic() + within
        while True:
            committed = await admin.list_consumer_group_offsets(group, partitions=list(ends))
            behind = {
                tp: end
                for tp, end in ends.items()
                if tp not in committed or committed[tp].offset < end
            }
            if not behind:
                return
            assert time.monotonic() < deadline, (
                f"{group} has not consumed {topic} within {within} s: end offsets {behind}, "
                f"committed {committed}"
            )
            await asyncio.sleep(0.1)
    finally:
        await admin.close()
        await consumer.stop()


async def _partitions(bootstrap: str, topic: str) -> list[TopicPartition]:
    """The topic's partitions; none when it does not exist (asking does not create it)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        [described] = await admin.describe_topics([topic])
    finally:
        await admin.close()
    return sorted(TopicPartition(topic, p["partition"]) for p in described["partitions"])


async def produce(bootstrap: str, topic: str, value: bytes, key: bytes | None = None) -> None:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


TEST_PEPPER = "test-only-pepper"
TEST_SIGNING_KEY = "test-only-unsubscribe-signing-key"
# The services' secrets, as the environment of a process a test starts gives them.
TEST_SECRETS = {
    "VIGIE_API_KEY_PEPPER": TEST_PEPPER,
    "VIGIE_UNSUBSCRIBE_SIGNING_KEY": TEST_SIGNING_KEY,
}
SERVICES = ("ingest", "matcher", "notifier")


def vigie_env(stack: StackEndpoints, namespace: str, **settings: str) -> dict[str, str]:
    """The environment of a Vigie process a test starts (a service, `vigie ...`): this machine's,
    pointed at the test's topics, database and consumer groups on the shared stack and at its
    mail sink; `settings` (full `VIGIE_` names) are laid on top."""
    return {
        **os.environ,
        "VIGIE_KAFKA_BOOTSTRAP": stack.kafka_bootstrap,
        "VIGIE_MONGODB_URL": stack.mongo_url(namespace),
        "VIGIE_TOPIC_PREFIX": f"{namespace}.",
        "VIGIE_SMTP_HOST": stack.smtp_host,
        "VIGIE_SMTP_PORT": str(stack.smtp_port),
        "VIGIE_MATCHER_GROUP_ID": f"{namespace}-matcher",
        "VIGIE_NOTIFIER_GROUP_ID": f"{namespace}-notifier",
        **settings,
    }


def free_service_ports() -> dict[str, str]:
    """A free port for each service (`VIGIE_INGEST_PORT`…), never the defaults."""
    return {f"VIGIE_{service.upper()}_PORT": str(free_port()) for service in SERVICES}


class _PrivateServer:
    """A server process of a test's own."""

    _process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        """Its process id while it runs (the benchmarks read its CPU time)."""
        return self._process.pid if self._process is not None else None


class PrivateMongo(_PrivateServer):
    """The stack's MongoDB stand-in binary run on a free port with a data folder of its own, so a
    test may kill -9 it and start it again on the same data."""

    def __init__(self, data: Path) -> None:
        self.binary = Mongo(StackConfig.from_env()).binary
        self.data = data
        self.port = free_port()
        self.url = f"mongodb://127.0.0.1:{self.port}/"
        self._process = None
        self.start()

    def start(self) -> None:
        self.data.mkdir(parents=True, exist_ok=True)
        address = f"127.0.0.1:{self.port}"
        with (self.data.parent / "server.log").open("ab") as log:
            self._process = subprocess.Popen(
                [str(self.binary), "--listen-addr", address, "--data-dir", str(self.data)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while True:
            try:
                probes.mongo(self.url)
                return
            except Exception:
                if time.monotonic() > deadline or self._process.poll() is not None:
                    raise
                time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush; what was acknowledged must already be on disk."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait()
        self._process = None

    def stop(self) -> None:
        """SIGTERM, as an operator stops the server: it finishes and closes its files."""
        _stop(self._process, signal.SIGTERM)
        self._process = None


def _stop(process: subprocess.Popen[bytes] | None, how: signal.Signals, grace: float = 30) -> None:
    if process is not None and process.poll() is None:
        process.send_signal(how)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until(
    probe: Callable[[], object], process: subprocess.Popen[bytes], within: float
) -> None:
    """Until `probe` stops raising; fails at once if the process died, or after `within` s."""
    deadline = time.monotonic() + within
    while True:
        try:
            probe()
            return
        except Exception:
            if time.monotonic() > deadline or process.poll() is not None:
                raise
            time.sleep(0.2)


class _KafkaBesideTheStack(Kafka):
    """The stack's Kafka component on a private config, using the jars the stack downloaded and
    a smaller heap (a private broker holds a handful of topics)."""

    def __init__(self, config: StackConfig, libs: Path) -> None:
        super().__init__(config)
        self._libs = libs

    @property
    def libs(self) -> Path:
        return self._libs

    def command(self) -> list[str]:
        return [arg.replace("-Xmx1g", "-Xmx384m") for arg in super().command()]


def _private_config(home: Path) -> StackConfig:
    return StackConfig(
        stack_dir=home,
        kafka_port=free_port(),
        kafka_controller_port=free_port(),
        smtp_port=free_port(),
        mail_http_port=free_port(),
    )


class PrivateKafka(_PrivateServer):
    """A one-node KRaft broker of a test's own (the stack's jars, free ports, its own data),
    so a test may kill -9 it and start it again on the same log."""

    def __init__(self, home: Path) -> None:
        stack_kafka = Kafka(StackConfig.from_env())
        self._kafka = _KafkaBesideTheStack(_private_config(home), stack_kafka.libs)
        self.bootstrap = self._kafka.address()
        self._process = None
        self._kafka.prepare(lambda _: None)  # writes its properties, formats its storage
        self.start()

    def start(self) -> None:
        self._kafka.log.parent.mkdir(parents=True, exist_ok=True)
        with self._kafka.log.open("ab") as log:
            self._process = subprocess.Popen(
                self._kafka.command(), cwd=self._kafka.cwd(), stdout=log, stderr=subprocess.STDOUT
            )
        _wait_until(self._kafka.probe, self._process, within=120)

    def kill(self) -> None:
        """SIGKILL: no flush, no controlled shutdown; acknowledged records must survive."""
        _stop(self._process, signal.SIGKILL)
        self._process = None

    def stop(self) -> None:
        _stop(self._process, signal.SIGTERM)
        self._process = None


class PrivateMailSink(_PrivateServer):
    """The stack's SMTP capture server on free ports with its own folder; counts what it caught
    by reading that folder (one .eml file per accepted message, named by arrival time)."""

    def __init__(self, home: Path) -> None:
        self._mail = Mail(_private_config(home))
        self.host, self.port = self._mail.cfg.host, self._mail.cfg.smtp_port
        self.api_url = self._mail.cfg.mail_api_url
        self.folder = self._mail.maildir
        self._mail.prepare(lambda _: None)
        self._mail.log.parent.mkdir(parents=True, exist_ok=True)
        with self._mail.log.open("ab") as log:
            self._process = subprocess.Popen(
                self._mail.command(), env=self._mail.env(), stdout=log, stderr=subprocess.STDOUT
            )
        _wait_until(self._mail.probe, self._process, within=30)

    def received(self) -> list[CaughtMail]:
        """Every message accepted so far, oldest first."""
        caught = []
        for path in sorted(self.folder.glob("*.eml")):
            headers = BytesHeaderParser(policy=email.policy.default).parsebytes(path.read_bytes())
            arrived = int(path.name.split("-", 1)[0]) / 1e9
            recipients = str(headers.get("X-Mailsink-Envelope-To", ""))
            caught.append(
                CaughtMail(
                    recipients, str(headers.get("Message-ID", "")), str(headers["Subject"]), arrived
                )
            )
        return caught

    def stop(self) -> None:
        _stop(self._process, signal.SIGTERM)
        self._process = None


@dataclass(frozen=True)
class CaughtMail:
    to: str
    message_id: str
    subject: str
    arrived: float
    """Unix time the sink accepted it."""


async def delete_topics(bootstrap: str, prefix: str) -> None:
    """Delete every topic whose name starts with `prefix` (a test's namespace)."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="vigie-tests")
    await admin.start()
    try:
        doomed = [name for name in await admin.list_topics() if name.startswith(prefix)]
        if doomed:
            await admin.delete_topics(doomed)
    finally:
        await admin.close()
