"""Fixtures of the fast unit tests: the ingest HTTP app over in-memory adapters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import pytest

from ingest.api import create_app
from ingest.intake import TenderIntake
from ingest.ratelimit import RateLimiter
from shared.clock import Clock, utc_now
from tests.fakes import TEST_KEY, InMemoryTenders, RecordingPublisher, authenticate

AUTH = {"Authorization": f"Bearer {TEST_KEY}"}


@dataclass
class Api:
    client: httpx.AsyncClient
    publisher: RecordingPublisher
    tenders: InMemoryTenders


@asynccontextmanager
async def serving(
    *, rate: int = 1000, max_body_bytes: int = 10_000, clock: Clock = utc_now
) -> AsyncIterator[Api]:
    """A fresh ingest app over in-memory adapters, and a client that holds the test key."""
    publisher, tenders = RecordingPublisher(), InMemoryTenders()
    app = create_app(
        TenderIntake(tenders, publisher),
        authenticate,
        RateLimiter(rate, rate),
        max_body_bytes=max_body_bytes,
        clock=clock,
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://ingest", headers=AUTH
    ) as client:
        yield Api(client, publisher, tenders)


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async with serving() as served:
        yield served
