"""A failure log says what was being done, to what, which attempt, and what happens next."""

from __future__ import annotations

from typing import Any

import httpx
import structlog
from aiokafka import ConsumerRecord
from structlog.testing import capture_logs

from ingest.api import create_app
from ingest.intake import TenderIntake
from ingest.ratelimit import RateLimiter
from shared.kafka.consumer import RetryPolicy, process_record
from shared.kafka.coordinates import Coordinates
from tests.factories import tender_data
from tests.fakes import TEST_KEY, InMemoryTenders, RecordingPublisher, authenticate


async def test_ingest_names_the_operation_the_tender_and_the_503() -> None:
    app = create_app(
        TenderIntake(InMemoryTenders(), RecordingPublisher(fail=True)),
        authenticate,
        RateLimiter(100, 100),
        max_body_bytes=10_000,
    )
    notice = tender_data()
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {TEST_KEY}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://i", headers=headers) as c:
        with capture_logs() as logs:
            response = await c.post("/v1/tenders", json=notice)
    assert response.status_code == 503
    [failure] = [entry for entry in logs if entry["event"] == "operation_failed"]
    assert failure["operation"] == "TenderIntake.submit"
    assert failure["tender_uid"] == f"{notice['source']}:{notice['source_id']}"
    assert failure["publisher_id"]
    assert failure["attempt"] == 1
    assert "ConnectionError('kafka unreachable')" in failure["error"]
    assert failure["next"].startswith("answered 503 with Retry-After")
    # The API key used by the request is never logged.
    assert all(TEST_KEY not in str(entry) for entry in logs)


class _Broker:
    """Records what would be published to Kafka (the dead-letter topic)."""

    def __init__(self) -> None:
        self.published: list[tuple[bytes, str]] = []

    async def publish(self, value: bytes, *, topic: str, **_: Any) -> None:
        self.published.append((value, topic))


async def test_a_consumer_names_the_record_each_attempt_and_the_dead_letter() -> None:
    record: ConsumerRecord[bytes, bytes] = ConsumerRecord(
        topic="vigie.matches.v1",
        partition=2,
        offset=41,
        timestamp=0,
        timestamp_type=0,
        key=b"k",
        value=b"{}",
        checksum=None,
        serialized_key_size=1,
        serialized_value_size=2,
        headers=[],
    )

    given: list[Coordinates] = []

    async def handle(event: bytes, at: Coordinates) -> None:
        given.append(at)
        raise TimeoutError("mongodb did not answer")

    broker = _Broker()
    seen = structlog.testing.LogCapture()
    # The Kafka coordinates are in the log context, as the services' logging merges it.
    structlog.configure(processors=[structlog.contextvars.merge_contextvars, seen])
    try:
        await process_record(
            broker,  # type: ignore[arg-type]  # a recording stand-in for FastStream's broker
            record,
            lambda raw: raw,
            handle,
            RetryPolicy(attempts=3, base_seconds=0.001, cap_seconds=0.001),
        )
    finally:
        structlog.reset_defaults()
    # The handler is told where the record was read, at each attempt.
    assert given == [Coordinates("vigie.matches.v1", 2, 41)] * 3
    retries = [e for e in seen.entries if e["event"] == "retrying"]
    assert [e["attempt"] for e in retries] == [1, 2]
    for entry in retries:
        assert entry["operation"] == "handle a record of vigie.matches.v1"
        assert (entry["topic"], entry["partition"], entry["offset"]) == ("vigie.matches.v1", 2, 41)
        assert entry["max_attempts"] == 3
        assert entry["next"].startswith("retried in ")
        assert "TimeoutError('mongodb did not answer')" in entry["error"]
    [dead] = [e for e in seen.entries if e["event"] == "dead_lettered"]
    assert (dead["topic"], dead["partition"], dead["offset"], dead["attempts"]) == (
        "vigie.matches.v1",
        2,
        41,
        3,
    )
    assert dead["next"] == "dead-lettered to vigie.matches.v1.dlq; the consumer moves on"
    assert broker.published == [(b"{}", "vigie.matches.v1.dlq")]
