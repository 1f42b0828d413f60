"""An instant alert reaches the real SMTP server with both parts and the unsubscribe headers."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import unquote

import httpx
from pymongo.asynchronous.database import AsyncDatabase

from matcher.decisions import plan_matches
from notifier.signing import LinkSigner
from shared.events import DELIVERIES_TOPIC, DeliveryEvent, TenderEvent, TenderEventKind
from shared.mongo import Document
from tests.factories import make_enterprise, make_tender
from tests.integration.notifier.harness import running_notifier
from tests.stack_clients import TEST_SIGNING_KEY, MailSink, StackEndpoints, read_topic
from vigie.enterprise_store import upsert_enterprises


async def test_instant_email_has_both_parts_and_one_click_unsubscribe(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document], mail: MailSink
) -> None:
    enterprise = make_enterprise(language="en", timezone="America/Vancouver")
    await upsert_enterprises(db, [enterprise])
    tender = make_tender(
        title=f"Snow removal {namespace}",
        submission_deadline="2030-03-01T17:00:00-05:00",
        reserved_for=["social_economy"],
    )
    event = TenderEvent(kind=TenderEventKind.PUBLISHED, tender=tender)
    [match] = plan_matches(event, [enterprise], {}, datetime.now(UTC))
    async with running_notifier(stack, namespace) as notifier:
        await notifier.send_match(match)
        [email] = await mail.wait_for(str(enterprise.contacts.email), count=1)
        [record] = await read_topic(
            stack.kafka_bootstrap, notifier.settings.topic(DELIVERIES_TOPIC), 1
        )
        base = notifier.base_url
        https = email["headers"]["List-Unsubscribe"].split(",")[0].strip().strip("<>")
        # What a mail client's unsubscribe button does (RFC 8058): one POST, no cookies.
        async with httpx.AsyncClient() as client:
            one_click = await client.post(https, data={"List-Unsubscribe": "One-Click"})
        stored = await db["enterprises"].find_one({"_id": enterprise.id})

    assert email["subject"] == f"Snow removal {namespace} — deadline 2030-03-01 14:00 (PST)"
    assert "Buyer: Ville de Longueuil" in email["text"]
    assert "Reserved: social economy" in email["text"]
    assert email["html"] is not None
    assert "<strong>2030-03-01 14:00 (PST)</strong>" in email["html"]
    headers = email["headers"]
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https, mailto = [item.strip().strip("<>") for item in headers["List-Unsubscribe"].split(",")]
    assert https.startswith(f"{base}/unsubscribe/")
    assert mailto.startswith("mailto:")
    token = unquote(https.removeprefix(f"{base}/unsubscribe/").split("?")[0])
    assert LinkSigner(TEST_SIGNING_KEY).verify(token) == enterprise.id
    assert https in email["text"]
    delivered = DeliveryEvent.model_validate_json(record.value)
    assert (delivered.status, delivered.channel, delivered.enterprise_id) == (
        "sent",
        "email",
        enterprise.id,
    )
    assert one_click.status_code == 200
    assert stored is not None
    assert stored["consent"]["email"]["granted"] is False
    assert stored["consent"]["email"]["source"] == "list-unsubscribe-one-click"
    assert await db["consent"].count_documents({"enterprise_id": enterprise.id}) == 1
