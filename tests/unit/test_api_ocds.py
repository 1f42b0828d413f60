"""OCDS releases and packages pushed to the create and batch endpoints (corpus files)."""

from __future__ import annotations

import json

from tests.fakes import OCP_KEY
from tests.unit.conftest import Api
from tests.unit.formats.corpus import read

OCP = {"Authorization": f"Bearer {OCP_KEY}", "Content-Type": "application/json"}
TENDER = "ocds/FICTIONAL_ocp_tender_ocds-213czf-000-00001-02.json"
AMENDMENT = "ocds/FICTIONAL_ocp_tenderAmendment_ocds-213czf-000-00001-03.json"
AWARD = "ocds/ca-qc-montreal_release_award_f1347447f2.json"


async def test_release_package_then_its_amendment(api: Api) -> None:
    first = await api.client.post("/v1/tenders", content=read(TENDER), headers=OCP)
    second = await api.client.post("/v1/tenders", content=read(AMENDMENT), headers=OCP)
    assert first.status_code == 202
    assert (first.json()["uid"], first.json()["status"]) == ("ocds-213czf:000-00001", "accepted")
    assert (second.json()["status"], second.json()["revision"]) == ("amended", 2)
    assert [e.kind for e in api.publisher.events] == ["published", "amended"]


async def test_award_release_is_refused_with_the_reason(api: Api) -> None:
    response = await api.client.post("/v1/tenders", content=read(AWARD), headers=OCP)
    assert response.status_code == 422
    assert "award" in response.json()["detail"]
    assert api.publisher.events == []


async def test_ocds_outside_the_key_scope_is_403(api: Api) -> None:
    response = await api.client.post(  # with Longueuil's key
        "/v1/tenders", content=read(TENDER), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 403
    assert api.publisher.events == []


async def test_batch_mixes_canonical_and_ocds_items(api: Api) -> None:
    incomplete = {"ocid": "ocds-213czf-9", "tag": ["tender"], "tender": {"id": "9"}}
    items = [json.loads(read(TENDER)), json.loads(read(AWARD)), incomplete]
    response = await api.client.post("/v1/tenders/batch", json={"tenders": items}, headers=OCP)
    results = response.json()
    assert [(r["index"], r["status"]) for r in results] == [
        (0, "accepted"),
        (1, "skipped"),
        (2, "rejected"),
    ]
    assert results[0]["uid"] == "ocds-213czf:000-00001"
