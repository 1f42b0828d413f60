"""A profile edited in the enterprise's portal takes effect at once: a tender pushed through the
ingest API right after the save reaches the enterprise, and the preview counts the calls ingest
stored, with the matcher's rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import httpx
from pymongo.asynchronous.database import AsyncDatabase

from notifier.signing import LinkSigner
from shared.events import TENDERS_TOPIC
from shared.mongo import Document
from tests.factories import make_enterprise, tender_data
from tests.pipeline import TEST_SIGNING_KEY, Pipeline, running_pipeline
from tests.stack_clients import MailSink, StackEndpoints, wait_until_consumed
from vigie.enterprise_store import upsert_enterprises

CLEANING_IN_LONGUEUIL = {
    "classifications": [{"scheme": "CPV", "code": "90911200-8"}],
    "place_of_performance": ["CA-QC-MUN-58227"],
}


async def _push(pipeline: Pipeline, title: str) -> None:
    published = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    async with pipeline.ingest_client() as client:
        answer = await client.post(
            "/v1/tenders",
            json=tender_data(title=title, published_at=published, **CLEANING_IN_LONGUEUIL),
        )
    assert answer.status_code == 202, answer.text


async def test_a_profile_edited_in_the_portal_catches_the_next_tender(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document], mail: MailSink
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
    address = str(enterprise.contacts.email)
    await upsert_enterprises(db, [enterprise])
    token = quote(LinkSigner(TEST_SIGNING_KEY).token(enterprise.id), safe="")

    async with running_pipeline(stack, namespace) as pipeline:
        assert pipeline.notifier is not None
        portal = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=pipeline.notifier.app), base_url="http://portal"
        )
        async with portal:
            # Before the edit: the matcher handles a cleaning tender and matches nobody.
            await _push(pipeline, f"Avant {namespace}")
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
            await _push(pipeline, f"Après {namespace}")
            [email] = await mail.wait_for(address, count=1, within=45)

    assert "Ce profil aurait capté 1 appel d&#39;offres publié" in preview.text
    assert f"Avant {namespace}" in preview.text
    assert email["subject"].startswith(f"Après {namespace}")
    stored = await db["enterprises"].find_one({"_id": enterprise.id})
    assert stored is not None
    assert stored["profiles"][0]["codes"] == [{"scheme": "CPV", "prefix": "9091"}]
