"""SMS alerts through a local server speaking the Twilio API: consent, segments, failures."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, datetime
from typing import Any

import httpx
from pymongo.asynchronous.database import AsyncDatabase

from notifier.sms_text import Encoding, segmentation
from shared.enterprises import Enterprise
from shared.events import MATCHES_TOPIC, MatchEvent
from shared.kafka.topics import dlq_topic
from shared.mongo import Document
from tests.factories import make_enterprise, make_match, make_tender
from tests.integration.notifier.harness import running_notifier
from tests.integration.notifier.sms_server import ACCOUNT_SID, AUTH_TOKEN, SmsRecorder, twilio_like
from tests.stack_clients import MailSink, StackEndpoints, read_topic
from vigie.enterprise_store import upsert_enterprises

CONSENT = {"granted": True, "at": "2026-01-10T10:00:00+00:00", "source": "test"}


def sms_settings(recorder: SmsRecorder) -> dict[str, Any]:
    return {
        "sms_provider_url": recorder.url,
        "sms_account_sid": ACCOUNT_SID,
        "sms_auth_token": AUTH_TOKEN,
        "sms_from": "+14505550000",
        "sms_rate_per_second": 50.0,
        "delivery_retry_base_seconds": 0.05,
        "delivery_retry_cap_seconds": 0.3,
        "delivery_poll_seconds": 0.05,
    }


def _match(enterprise: Enterprise, title: str) -> MatchEvent:
    return make_match(enterprise, make_tender(title=title), at=datetime.now(UTC))


async def _status(db: AsyncDatabase[Document], key_suffix: str, match: MatchEvent) -> str:
    key = f"{match.match_id}#new#{key_suffix}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = await db["deliveries"].find_one({"_id": key})
        if found and found["status"] in ("sent", "failed", "suppressed"):
            return str(found["status"])
        await asyncio.sleep(0.05)
    raise AssertionError(f"{key} not settled")


async def test_sms_only_with_consent_and_with_the_right_segment_count(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document], mail: MailSink
) -> None:
    opted_in = make_enterprise(
        contacts={"email": f"sms-{namespace}@example.org", "phone": "+14505551234"},
        consent={"email": CONSENT, "sms": CONSENT},
    )
    email_only = make_enterprise(contacts={"email": "x@example.org", "phone": "+15145550199"})
    await upsert_enterprises(db, [opted_in, email_only])
    # "ê" and "ç" turn the whole text into UCS-2: 70 units a segment, 67 once concatenated.
    # In GSM-7 this text would fit one segment of 160.
    title = "Fenêtres et façades du garage"
    first, other = _match(opted_in, title), _match(email_only, title)
    async with (
        twilio_like() as provider,
        running_notifier(stack, namespace, serve=False, **sms_settings(provider)) as notifier,
    ):
        await notifier.send_match(first)
        await notifier.send_match(other)
        assert await _status(db, "sms", first) == "sent"
        assert await _status(db, "email", first) == "sent"
        assert await _status(db, "email", other) == "sent"
        [sms] = provider.received
        # The text's one link, short, leads to the alert's answer page (which links the
        # documents): a full signed link would leave no room for the title in UCS-2.
        short = re.search(rf"{re.escape(notifier.base_url)}(/a/\S+)", sms["Body"])
        assert short is not None, sms["Body"]
        site = httpx.ASGITransport(app=notifier.service.app)
        async with httpx.AsyncClient(transport=site, base_url=notifier.base_url) as client:
            answer_page = await client.get(short.group(1))

    assert (sms["To"], sms["From"]) == ("+14505551234", "+14505550000")
    assert sms["Body"].startswith("Vigie: Fenêtres et faça")  # the title gives way to the link
    assert "Date limite" in sms["Body"]
    assert answer_page.status_code == 303
    assert answer_page.headers["location"].startswith("/alert/")
    assert answer_page.headers["location"].endswith("?lang=fr")
    seg = segmentation(sms["Body"])
    assert (seg.encoding, seg.segments) == (Encoding.UCS2, 2)
    assert seg.units < 160
    assert provider.to("+15145550199") == []  # no SMS consent: no SMS
    assert await db["deliveries"].count_documents({"channel": "sms"}) == 1


async def test_provider_errors_retried_or_dead_lettered(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document]
) -> None:
    flaky = make_enterprise(contacts={"phone": "+14505551234"}, consent={"sms": CONSENT})
    invalid = make_enterprise(contacts={"phone": "+1450555123"}, consent={"sms": CONSENT})
    refused = make_enterprise(contacts={"phone": "+15145550199"}, consent={"sms": CONSENT})
    await upsert_enterprises(db, [flaky, invalid, refused])

    def script(to: str, attempt: int) -> tuple[int, int] | None:
        if to == "+14505551234" and attempt == 1:
            return 503, 20500  # the provider is down for a moment
        if to == "+15145550199":
            return 400, 21614  # not a mobile number
        return None

    matches = [_match(e, "Déneigement") for e in (flaky, invalid, refused)]
    async with (
        twilio_like(script) as provider,
        running_notifier(stack, namespace, serve=False, **sms_settings(provider)) as notifier,
    ):
        for match in matches:
            await notifier.send_match(match)
        statuses = [await _status(db, "sms", match) for match in matches]
        topic = dlq_topic(notifier.settings.topic(MATCHES_TOPIC))
        dead = await read_topic(stack.kafka_bootstrap, topic, 2, within=20)

    assert statuses == ["sent", "failed", "failed"]
    assert len(provider.to("+14505551234")) == 1
    assert provider.tries["+14505551234"] == 2
    errors = sorted(dict(r.headers)["x-vigie-error"].decode() for r in dead)
    assert errors[0].startswith("SMS provider HTTP 400: 21614")
    assert errors[1].startswith("invalid number:")
