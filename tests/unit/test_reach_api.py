"""The reach endpoint: the tender's publisher sees it; another publisher cannot tell it exists."""

from __future__ import annotations

import httpx

from ingest.api import create_app
from ingest.intake import TenderIntake
from ingest.ratelimit import RateLimiter
from ingest.reach import Reach, tender_reach
from tests.factories import tender_data
from tests.fakes import OCP_KEY, TEST_KEY, InMemoryTenders, RecordingPublisher, authenticate


class OneReach:
    def __init__(self) -> None:
        self.asked: list[str] = []

    async def reach(self, uid: str) -> Reach:
        self.asked.append(uid)
        return tender_reach(uid, [], {})


async def test_only_the_owner_gets_the_reach() -> None:
    app = create_app(
        TenderIntake(InMemoryTenders(), RecordingPublisher()),
        authenticate,
        RateLimiter(100, 100),
        max_body_bytes=100_000,
    )
    transport = httpx.ASGITransport(app=app)
    longueuil = {"Authorization": f"Bearer {TEST_KEY}"}
    other = {"Authorization": f"Bearer {OCP_KEY}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://ingest") as client:
        pushed = await client.post("/v1/tenders", json=tender_data(), headers=longueuil)
        uid = pushed.json()["uid"]
        unavailable = await client.get(f"/v1/tenders/{uid}/reach", headers=longueuil)
        source = OneReach()
        app.state.reach = source
        mine = await client.get(f"/v1/tenders/{uid}/reach", headers=longueuil)
        theirs = await client.get(f"/v1/tenders/{uid}/reach", headers=other)
        unknown = await client.get("/v1/tenders/longueuil:nope/reach", headers=other)
        anonymous = await client.get(f"/v1/tenders/{uid}/reach")

    assert unavailable.status_code == 503, unavailable.text
    assert mine.status_code == 200
    assert mine.json()["uid"] == uid
    assert mine.json()["alerted"] == 0
    assert theirs.status_code == 404
    assert theirs.json() == {"detail": f"no tender {uid}"}
    assert unknown.status_code == 404
    assert anonymous.status_code == 401
    assert source.asked == [uid]
