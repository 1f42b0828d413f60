"""The HTTP contract of ingest, with in-memory adapters (the real ones: tests/integration)."""

from __future__ import annotations

import json

import httpx
import pytest

from ingest.api import create_app
from ingest.intake import TenderIntake
from ingest.ratelimit import RateLimiter
from shared.events import Tender
from tests.factories import tender_data
from tests.fakes import TEST_KEY, InMemoryTenders, RecordingPublisher, authenticate
from tests.unit.conftest import AUTH, Api


async def test_valid_tender_is_accepted_and_published(api: Api) -> None:
    response = await api.client.post("/v1/tenders", json=tender_data(source_id="AO-2026-041"))
    assert response.status_code == 202
    assert response.json() == {
        "uid": "longueuil:AO-2026-041",
        "revision": 1,
        "status": "accepted",
        "changed_fields": [],
    }
    [event] = api.publisher.events
    assert (event.kind, event.tender.uid, event.tender.revision) == (
        "published",
        "longueuil:AO-2026-041",
        1,
    )


async def test_same_notice_twice_publishes_once_and_a_change_is_an_amendment(api: Api) -> None:
    notice = tender_data()
    first = await api.client.post("/v1/tenders", json=notice)
    again = await api.client.post("/v1/tenders", json=notice)
    changed = await api.client.post(
        "/v1/tenders", json={**notice, "title": "Nouveau titre", "revision": 7}
    )
    assert [r.json()["status"] for r in (first, again, changed)] == [
        "accepted",
        "unchanged",
        "amended",
    ]
    assert changed.json()["revision"] == 2  # the server numbers revisions, not the client
    assert changed.json()["changed_fields"] == ["title"]
    assert [(e.kind, e.tender.revision) for e in api.publisher.events] == [
        ("published", 1),
        ("amended", 2),
    ]
    assert api.publisher.events[1].changed_fields == ["title"]


async def test_cancel_then_read_and_no_resurrection(api: Api) -> None:
    notice = tender_data(source_id="AO-9")
    await api.client.post("/v1/tenders", json=notice)
    cancelled = await api.client.post("/v1/tenders/longueuil:AO-9/cancel")
    state = await api.client.get("/v1/tenders/longueuil:AO-9")
    again = await api.client.post("/v1/tenders", json={**notice, "title": "Autre"})
    assert cancelled.json()["status"] == "cancelled"
    assert (state.json()["status"], state.json()["revision"]) == ("cancelled", 2)
    assert [e.kind for e in api.publisher.events] == ["published", "cancelled"]
    assert again.status_code == 409


async def test_amend_by_uid(api: Api) -> None:
    notice = tender_data(source_id="AO-5")
    missing = await api.client.put("/v1/tenders/longueuil:AO-5", json=notice)
    await api.client.post("/v1/tenders", json=notice)
    wrong_path = await api.client.put("/v1/tenders/longueuil:AO-6", json=notice)
    amended = await api.client.put(
        "/v1/tenders/longueuil:AO-5", json={**notice, "submission_deadline": "2031-01-01T12:00:00Z"}
    )
    assert (missing.status_code, wrong_path.status_code) == (404, 422)
    assert amended.json()["changed_fields"] == ["submission_deadline"]


async def test_batch_reports_each_item(api: Api) -> None:
    good = tender_data(source_id="B-1")
    response = await api.client.post(
        "/v1/tenders/batch",
        json={
            "tenders": [
                good,
                {"title": "incomplete"},
                good,
                tender_data(buyer={"name": "X", "id": "ville-paris"}),
            ]
        },
    )
    items = response.json()
    assert [i["status"] for i in items] == ["accepted", "rejected", "unchanged", "rejected"]
    assert "source: Field required" in items[1]["reason"]
    assert "buyer 'ville-paris'" in items[3]["reason"]
    assert len(api.publisher.events) == 1


async def test_a_cancelled_tender_in_a_batch_rejects_only_its_item(api: Api) -> None:
    closed, other = tender_data(source_id="B-C"), tender_data(source_id="B-O")
    await api.client.post("/v1/tenders", json=closed)
    await api.client.post("/v1/tenders/longueuil:B-C/cancel")
    response = await api.client.post(
        "/v1/tenders/batch", json={"tenders": [{**closed, "title": "Encore"}, other]}
    )
    assert response.status_code == 200
    items = response.json()
    assert [i["status"] for i in items] == ["rejected", "accepted"]
    assert "cancelled" in items[0]["reason"]


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
        (
            json.dumps(tender_data(buyer={"name": "Paris", "id": "ville-paris"})).encode(),
            403,
            "buyer 'ville-paris'",
        ),
        (json.dumps(tender_data(source="seao")).encode(), 403, "source 'seao'"),
    ],
)
async def test_bad_input_is_refused_with_a_reason_and_nothing_published(
    api: Api, body: bytes, status: int, says: str
) -> None:
    response = await api.client.post(
        "/v1/tenders", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == status
    assert says in response.text
    assert api.publisher.events == []


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer vk_nope"}, {"X-API-Key": TEST_KEY[:-1] + "X"}]
)
async def test_missing_or_wrong_key_is_401(api: Api, headers: dict[str, str]) -> None:
    api.client.headers.pop("Authorization")
    response = await api.client.post("/v1/tenders", json=tender_data(), headers=headers)
    assert response.status_code == 401
    assert api.publisher.events == []


async def test_x_api_key_header_works_too(api: Api) -> None:
    api.client.headers.pop("Authorization")
    response = await api.client.post(
        "/v1/tenders", json=tender_data(), headers={"X-API-Key": TEST_KEY}
    )
    assert response.status_code == 202


async def test_too_many_requests_get_429_with_retry_after() -> None:
    app = create_app(
        TenderIntake(InMemoryTenders(), RecordingPublisher()),
        authenticate,
        RateLimiter(rate_per_second=0.5, burst=2),
        max_body_bytes=10_000,
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://i", headers=AUTH) as client:
        codes = [(await client.get("/v1/tenders/longueuil:X")) for _ in range(3)]
    assert [c.status_code for c in codes] == [404, 404, 429]
    assert codes[2].headers["retry-after"] == "2"


async def test_kafka_outage_is_a_503_with_retry_after() -> None:
    app = create_app(
        TenderIntake(InMemoryTenders(), RecordingPublisher(fail=True)),
        authenticate,
        RateLimiter(100, 100),
        max_body_bytes=10_000,
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://i", headers=AUTH) as client:
        response = await client.post("/v1/tenders", json=tender_data())
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"


async def test_event_left_unpublished_by_an_outage_goes_out_on_the_retry() -> None:
    tenders, failing = InMemoryTenders(), RecordingPublisher(fail=True)
    notice = tender_data()
    intake = TenderIntake(tenders, failing)
    with pytest.raises(ConnectionError):
        await intake.submit(Tender.model_validate(notice), "p")
    working = RecordingPublisher()
    receipt = await TenderIntake(tenders, working).submit(Tender.model_validate(notice), "p")
    assert receipt.outcome == "unchanged"
    assert [e.kind for e in working.events] == ["published"]


async def test_health_and_openapi(api: Api) -> None:
    assert (await api.client.get("/health")).json() == {"status": "ok"}
    schema = (await api.client.get("/openapi.json")).json()
    assert {
        "/v1/tenders",
        "/v1/tenders/batch",
        "/v1/tenders/{uid}",
        "/v1/tenders/{uid}/cancel",
    } <= set(schema["paths"])
