"""Fuzzing the publishers' API: whatever the body, never a 5xx, and a refusal publishes nothing."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.api import create_app
from ingest.intake import TenderIntake
from ingest.ratelimit import RateLimiter
from tests.factories import tender_data
from tests.fakes import TEST_KEY, InMemoryTenders, RecordingPublisher, authenticate

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = list(tender_data())


@st.composite
def mutated_tenders(draw: st.DrawFn) -> dict[str, Any]:
    tender = tender_data(source_id=draw(st.sampled_from(["A-1", "A-2", "A-3"])))
    for _ in range(draw(st.integers(0, 3))):
        field = draw(st.sampled_from(FIELDS))
        if draw(st.booleans()):
            tender.pop(field, None)
        else:
            tender[field] = draw(JSON)
    return tender


BODIES = (
    mutated_tenders()
    | JSON
    | st.builds(lambda items: {"tenders": items}, st.lists(mutated_tenders() | JSON, max_size=4))
)


async def _exchange(body: Any, path: str) -> tuple[int, int]:
    publisher = RecordingPublisher()
    app = create_app(
        TenderIntake(InMemoryTenders(), publisher),
        authenticate,
        RateLimiter(10_000, 10_000),
        max_body_bytes=20_000,
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://ingest",
        headers={"Authorization": f"Bearer {TEST_KEY}"},
    ) as client:
        response = await client.post(path, json=body)
    return response.status_code, len(publisher.events)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=BODIES, path=st.sampled_from(["/v1/tenders", "/v1/tenders/batch"]))
def test_no_body_makes_the_api_fail_or_publish_on_refusal(body: Any, path: str) -> None:
    status, published = asyncio.run(_exchange(body, path))
    assert status < 500
    if status >= 400:
        assert published == 0
