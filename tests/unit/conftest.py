"""Fixtures of the fast unit tests: the ingest HTTP app over in-memory adapters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from ingest.api import create_app
from ingest.intake import TenderIntake
from ingest.ratelimit import RateLimiter
from tests.fakes import TEST_KEY, InMemoryTenders, RecordingPublisher, authenticate

AUTH = {"Authorization": f"Bearer {TEST_KEY}"}


@dataclass
class Api:
    client: httpx.AsyncClient
    publisher: RecordingPublisher
    tenders: InMemoryTenders


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    publisher, tenders = RecordingPublisher(), InMemoryTenders()
    app = create_app(
        TenderIntake(tenders, publisher),
        authenticate,
        RateLimiter(1000, 1000),
        max_body_bytes=10_000,
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://ingest", headers=AUTH
    ) as client:
        yield Api(client, publisher, tenders)
