"""A tender pushed over HTTP comes out as an email, for the right enterprises only."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from shared.events import DELIVERIES_TOPIC, DeliveryEvent
from shared.mongo import Document
from tests.factories import make_enterprise, tender_data
from tests.pipeline import running_pipeline
from tests.stack_clients import MailSink, StackEndpoints, read_topic
from vigie.enterprise_store import upsert_enterprises


async def test_posted_tender_emails_the_fitting_enterprise_only(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document], mail: MailSink
) -> None:
    fits = make_enterprise(language="en")
    outside = make_enterprise(
        profiles=[
            {
                "id": "p",
                "codes": [{"scheme": "UNSPSC", "prefix": "7611"}],
                "territories": ["CA-QC-AGG-MONTREAL"],
            }
        ]
    )
    other_trade = make_enterprise(
        profiles=[
            {
                "id": "p",
                "codes": [{"scheme": "UNSPSC", "prefix": "8212"}],
                "territories": ["CA-QC-RA-16"],
            }
        ]
    )
    await upsert_enterprises(db, [fits, outside, other_trade])
    title = f"Entretien ménager {namespace}"

    async with running_pipeline(stack, namespace) as pipeline:
        async with pipeline.ingest_client() as client:
            response = await client.post(
                "/v1/tenders",
                json=tender_data(title=title, submission_deadline="2030-03-01T17:00:00-05:00"),
            )
        assert response.status_code == 202
        [email] = await mail.wait_for(str(fits.contacts.email), count=1, within=45)
        deliveries = await read_topic(stack.kafka_bootstrap, pipeline.topic(DELIVERIES_TOPIC), 1)

    assert email["subject"] == f"{title} — deadline 2030-03-01 17:00 (EST)"
    assert "UNSPSC 76111500 is under your 7611 profile" in email["text"]
    assert "Longueuil is in your service area (Agglomération de Longueuil)" in email["text"]
    [delivered] = [DeliveryEvent.model_validate_json(r.value) for r in deliveries]
    assert (delivered.enterprise_id, delivered.status) == (fits.id, "sent")
    for enterprise in (outside, other_trade):
        assert await mail.messages_to(str(enterprise.contacts.email)) == []
    assert await db["matches"].count_documents({}) == 1
