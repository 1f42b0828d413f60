"""Ingest against the real Kafka: accepted tenders are on the topic, refused ones are not."""

from __future__ import annotations

import json

from pymongo.asynchronous.database import AsyncDatabase

from ingest.registry import TenderRegistry
from shared.events import TENDERS_TOPIC, TenderEvent
from shared.mongo import Document
from tests.factories import tender_data
from tests.pipeline import running_pipeline
from tests.stack_clients import StackEndpoints, read_all


async def test_only_valid_tenders_reach_the_topic(stack: StackEndpoints, namespace: str) -> None:
    missing_title = tender_data()
    del missing_title["title"]
    refused = [
        b"{not json",
        json.dumps(missing_title).encode(),
        json.dumps(tender_data(estimated_value={"amount": "lots", "currency": "CAD"})).encode(),
        json.dumps(tender_data(description="x" * 2_000_000)).encode(),
    ]
    async with running_pipeline(stack, namespace, matcher=False, notifier=False) as pipeline:
        async with pipeline.ingest_client() as client:
            statuses = [
                (
                    await client.post(
                        "/v1/tenders", content=body, headers={"content-type": "application/json"}
                    )
                ).status_code
                for body in refused
            ]
            accepted = await client.post("/v1/tenders", json=tender_data(source_id="AO-OK"))
        # 202 is answered once the event is acknowledged: the topic holds all there will be.
        records = await read_all(stack.kafka_bootstrap, pipeline.topic(TENDERS_TOPIC))

    assert statuses == [422, 422, 422, 413]
    assert accepted.status_code == 202
    assert [r.key for r in records] == [b"longueuil:AO-OK"]
    event = TenderEvent.model_validate_json(records[0].value)
    assert (event.kind, event.tender.uid) == ("published", "longueuil:AO-OK")


async def test_revisions_are_kept_in_mongodb_and_published_once_each(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document]
) -> None:
    notice = tender_data(source_id="AO-REV")
    async with running_pipeline(stack, namespace, matcher=False, notifier=False) as pipeline:
        async with pipeline.ingest_client() as client:
            outcomes = [
                (await client.post("/v1/tenders", json=body)).json()["status"]
                for body in (notice, notice, {**notice, "title": "Titre corrigé"})
            ]
            cancelled = await client.post("/v1/tenders/longueuil:AO-REV/cancel")
            state = (await client.get("/v1/tenders/longueuil:AO-REV")).json()
            client.headers["Authorization"] = "Bearer vk_0123456789ab_" + "x" * 32
            intruder = await client.post("/v1/tenders", json=tender_data(source_id="AO-BAD"))
        records = await read_all(stack.kafka_bootstrap, pipeline.topic(TENDERS_TOPIC))

    assert outcomes == ["accepted", "unchanged", "amended"]
    assert cancelled.json()["revision"] == 3
    assert intruder.status_code == 401
    events = [TenderEvent.model_validate_json(r.value) for r in records]
    assert [(e.kind, e.tender.revision, e.changed_fields) for e in events] == [
        ("published", 1, []),
        ("amended", 2, ["title"]),
        ("cancelled", 3, ["status"]),
    ]
    assert (state["status"], state["revision"]) == ("cancelled", 3)
    assert [h["outcome"] for h in state["history"]] == ["accepted", "amended", "cancelled"]
    stored = await TenderRegistry(db).get("longueuil:AO-REV")
    assert stored is not None
    assert stored.pending_event is None  # every event acknowledged and noted published
