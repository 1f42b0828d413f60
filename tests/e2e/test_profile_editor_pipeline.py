"""A profile edited in the enterprise's portal takes effect at once: a tender pushed through the
ingest API right after the save reaches the enterprise, and the preview counts the calls ingest
stored, with the matcher's rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import httpx
from pymongo.asynchronous.database import AsyncDatabase

from notifier.signing import LinkSigner
from shared.events import DELIVERIES_TOPIC, TENDERS_TOPIC, DeliveryEvent
from shared.mongo import Document
from tests.factories import make_enterprise, tender_data
from tests.pipeline import Pipeline, running_pipeline
from tests.stack_clients import TEST_SIGNING_KEY, StackEndpoints, read_topic, wait_until_consumed
from vigie.enterprise_store import upsert_enterprises

CLEANING_IN_LONGUEUIL = {
    "classifications": [{"scheme": "CPV", "code": "90911200-8"}],
    "place_of_performance": ["CA-QC-MUN-58227"],
}


async def _push(pipeline: Pipeline, title: str) -> str:
    published = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    async with pipeline.ingest_client() as client:
        answer = await client.post(
            "/v1/tenders",
            json=tender_data(title=title, published_at=published, **CLEANING_IN_LONGUEUIL),
        )
    assert answer.status_code == 202, answer.text
    return str(answer.json()["uid"])


async def test_a_profile_edited_in_the_portal_catches_the_next_tender(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document]
) -> None:
    enterprise = make_enterprise(
        language="fr",
        profiles=[
            {
                "id": "p1",
                "codes": [{"scheme": "UNSPSC", "prefix": "8212"}],
                "territories": ["CA-QC-RA-06"],
            }
        ],
    )
    await upsert_enterprises(db, [enterprise])
    token = quote(LinkSigner(TEST_SIGNING_KEY).token(enterprise.id), safe="")

    async with running_pipeline(stack, namespace) as pipeline:
        assert pipeline.notifier is not None
        portal = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=pipeline.notifier.app), base_url="http://portal"
        )
        async with portal:
            # Before the edit: the matcher handles a cleaning tender and matches nobody.
            before_uid = await _push(pipeline, f"Avant {namespace}")
            await wait_until_consumed(
                stack.kafka_bootstrap,
                f"{namespace}-matcher",
                pipeline.topic(TENDERS_TOPIC),
                within=30,
            )
            assert await db["matches"].count_documents({}) == 0

            form = {
                "lang": "fr",
                "name": "Entretien",
                "code": ["CPV:9091"],
                "territory": ["CA-QC-AGG-LONGUEUIL"],
                "channel": ["email"],
            }
            preview = await portal.post(
                f"/portal/{token}/profiles/p1", data={**form, "action": "preview"}
            )
            saved = await portal.post(f"/portal/{token}/profiles/p1", data=form)
            assert saved.status_code == 303, saved.text
            after_uid = await _push(pipeline, f"Après {namespace}")
            # Sent: the SMTP server took the alert (read from the notifier's outcomes, not the
            # capture server's listing, whose speed depends on what other tests left there).
            records = await read_topic(
                stack.kafka_bootstrap, pipeline.topic(DELIVERIES_TOPIC), 1, within=45
            )

    assert "Ce profil aurait capté 1 appel d&#39;offres publié" in preview.text
    assert f"Avant {namespace}" in preview.text
    [sent] = [DeliveryEvent.model_validate_json(record.value) for record in records]
    assert (sent.enterprise_id, sent.status, sent.channel) == (enterprise.id, "sent", "email")
    assert sent.tender_uid == after_uid != before_uid
    stored = await db["enterprises"].find_one({"_id": enterprise.id})
    assert stored is not None
    assert stored["profiles"][0]["codes"] == [{"scheme": "CPV", "prefix": "9091"}]
