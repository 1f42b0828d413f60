"""Ingest against the real Kafka: accepted tenders are on the topic, refused ones are not."""

from __future__ import annotations

import json

import httpx

from shared.events import TENDERS_TOPIC, TenderEvent
from tests.factories import tender_data
from tests.pipeline import running_pipeline
from tests.stack_clients import StackEndpoints, read_topic


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
        async with httpx.AsyncClient(base_url=pipeline.ingest_url or "") as client:
            statuses = [
                (
                    await client.post(
                        "/v1/tenders", content=body, headers={"content-type": "application/json"}
                    )
                ).status_code
                for body in refused
            ]
            accepted = await client.post("/v1/tenders", json=tender_data(source_id="AO-OK"))
        records = await read_topic(
            stack.kafka_bootstrap, pipeline.topic(TENDERS_TOPIC), count=len(refused) + 1, within=8
        )

    assert statuses == [422, 422, 422, 413]
    assert accepted.status_code == 202
    assert [r.key for r in records] == [b"longueuil:AO-OK"]
    event = TenderEvent.model_validate_json(records[0].value)
    assert (event.kind, event.tender.uid) == ("published", "longueuil:AO-OK")
