"""The HTTP contract of ingest, against an in-memory publisher (Kafka is in tests/integration)."""

from __future__ import annotations

import json

import httpx
import pytest

from ingest.api import create_app
from shared.events import TenderEvent
from tests.factories import tender_data


class RecordingPublisher:
    def __init__(self, fail: bool = False) -> None:
        self.events: list[TenderEvent] = []
        self.fail = fail

    async def publish(self, event: TenderEvent) -> None:
        if self.fail:
            raise ConnectionError("kafka unreachable")
        self.events.append(event)


def client_for(publisher: RecordingPublisher, max_body: int = 10_000) -> httpx.AsyncClient:
    app = create_app(publisher, max_body)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ingest")


async def test_valid_tender_is_accepted_and_published() -> None:
    publisher = RecordingPublisher()
    async with client_for(publisher) as client:
        response = await client.post("/v1/tenders", json=tender_data(source_id="AO-2026-041"))
    assert response.status_code == 202
    assert response.json()["uid"] == "longueuil:AO-2026-041"
    assert [e.tender.uid for e in publisher.events] == ["longueuil:AO-2026-041"]
    assert publisher.events[0].kind == "published"


def _without(field: str) -> dict[str, object]:
    data = tender_data()
    del data[field]
    return data


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        (b'{"source": "longueuil", ', 422, "JSON"),
        (json.dumps(_without("title")).encode(), 422, "title"),
        (json.dumps(tender_data(revision="second")).encode(), 422, "revision"),
        (json.dumps(tender_data(description="x" * 20_000)).encode(), 413, "larger than"),
    ],
)
async def test_bad_input_is_refused_with_a_reason_and_nothing_published(
    body: bytes, status: int, says: str
) -> None:
    publisher = RecordingPublisher()
    async with client_for(publisher) as client:
        response = await client.post(
            "/v1/tenders", content=body, headers={"content-type": "application/json"}
        )
    assert response.status_code == status
    assert says in response.text
    assert publisher.events == []


async def test_kafka_outage_is_a_503_with_retry_after() -> None:
    async with client_for(RecordingPublisher(fail=True)) as client:
        response = await client.post("/v1/tenders", json=tender_data())
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"


async def test_health_and_openapi() -> None:
    async with client_for(RecordingPublisher()) as client:
        assert (await client.get("/health")).json() == {"status": "ok"}
        schema = (await client.get("/openapi.json")).json()
    assert "/v1/tenders" in schema["paths"]
