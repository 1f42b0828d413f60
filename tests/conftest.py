"""Fixtures shared by every test; those that need servers use the real local stack.

The stack (Kafka, FerretDB, SMTP sink) is started once per run by `vigie stack up` — `.ci/run`
does it first — or by the `stack` fixture itself when it is not answering. Each test gets its own
topic prefix and MongoDB database, so tests never see each other's messages.

Every test under `tests/integration` is marked `integration`, every one under `tests/e2e` is
marked `e2e`, every one under `tests/chaos` (servers killed on purpose: private ones, never the
stack's) is marked `chaos` (`-m "not integration and not e2e and not chaos"` keeps the fast
ones), and a test under `tests/unit` that asks for a fixture of the stack is refused: unit
tests run with no server.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from pymongo.asynchronous.database import AsyncDatabase

from shared.mongo import Document, make_client
from tests.stack_clients import (
    MailSink,
    PrivateKafka,
    PrivateMailSink,
    PrivateMongo,
    StackEndpoints,
    delete_topics,
    start_stack,
)

TESTS = Path(__file__).resolve().parent
MARK_BY_FOLDER = {
    TESTS / "integration": "integration",
    TESTS / "e2e": "e2e",
    TESTS / "chaos": "chaos",
}
STACK_FIXTURES = frozenset(
    {"stack", "db", "mail", "private_mongo", "private_kafka", "private_mail"}
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test by its folder; refuse a unit test that would need the stack."""
    needing_the_stack: list[str] = []
    for item in items:
        path = item.path.resolve()
        for folder, mark in MARK_BY_FOLDER.items():
            if path.is_relative_to(folder):
                item.add_marker(getattr(pytest.mark, mark))
        fixtures = STACK_FIXTURES.intersection(getattr(item, "fixturenames", ()))
        if path.is_relative_to(TESTS / "unit") and fixtures:
            needing_the_stack.append(f"{item.nodeid} (uses {', '.join(sorted(fixtures))})")
    if needing_the_stack:
        raise pytest.UsageError(
            "unit tests must not need the local stack; move these to tests/integration: "
            + "; ".join(needing_the_stack)
        )


@pytest.fixture(scope="session")
def stack() -> StackEndpoints:
    return start_stack()


@pytest_asyncio.fixture(loop_scope="session")
async def namespace(stack: StackEndpoints) -> AsyncIterator[str]:
    """A topic prefix and database name of this test's own; its topics are deleted after it, so
    a long-lived stack does not pile up thousands of partitions run after run (each costs the
    broker memory)."""
    name = f"t{uuid.uuid4().hex[:10]}"
    yield name
    await delete_topics(stack.kafka_bootstrap, f"{name}.")


@pytest_asyncio.fixture(loop_scope="session")
async def db(stack: StackEndpoints, namespace: str) -> AsyncIterator[AsyncDatabase[Document]]:
    client = make_client(stack.mongo_url(namespace))
    try:
        yield client[namespace]
        await client.drop_database(namespace)
    finally:
        await client.close()


@pytest.fixture
def mail(stack: StackEndpoints) -> MailSink:
    return MailSink(stack.mail_api_url)


@pytest.fixture
def private_mongo(stack: StackEndpoints, tmp_path: Path) -> Iterator[PrivateMongo]:
    """A MongoDB stand-in of this test's own (the stack's build, a free port, its own data), for
    tests that kill and restart the server."""
    server = PrivateMongo(tmp_path / "mongo")
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def private_kafka(stack: StackEndpoints, tmp_path: Path) -> Iterator[PrivateKafka]:
    """A Kafka broker of this test's own (the stack's jars, free ports, its own log), for tests
    that kill -9 and restart the broker."""
    server = PrivateKafka(tmp_path / "kafka")
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def private_mail(stack: StackEndpoints, tmp_path: Path) -> Iterator[PrivateMailSink]:
    """An SMTP capture server of this test's own, whose catch is counted from its folder."""
    server = PrivateMailSink(tmp_path / "mail")
    try:
        yield server
    finally:
        server.stop()
