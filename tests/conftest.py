"""Fixtures shared by every test; those that need servers use the real local stack.

The stack (Kafka, FerretDB, SMTP sink) is started once per run by `vigie stack up` — `.ci/run`
does it first — or by the `stack` fixture itself when it is not answering. Each test gets its own
topic prefix and MongoDB database, so tests never see each other's messages.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from pymongo.asynchronous.database import AsyncDatabase

from shared.mongo import Document, make_client
from tests.stack_clients import MailSink, PrivateMongo, StackEndpoints, start_stack


@pytest.fixture(scope="session")
def stack() -> StackEndpoints:
    return start_stack()


@pytest.fixture
def namespace() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


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
