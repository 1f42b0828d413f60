"""Closing-soon reminders: once, N days before the deadline, never after closing or cancelling."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared.enterprises import Enterprise
from shared.events import MATCHES_TOPIC, MatchEvent, Tender, TenderEventKind
from shared.mongo import Document
from tests.factories import make_enterprise, make_match, make_tender
from tests.integration.notifier.harness import ManualClock, running_notifier
from tests.stack_clients import MailSink, StackEndpoints, wait_until_consumed
from vigie.enterprise_store import upsert_enterprises

START = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
DEADLINE = START + timedelta(days=10)


def _match(enterprise: Enterprise, tender: Tender, kind: TenderEventKind) -> MatchEvent:
    if kind == TenderEventKind.CANCELLED:
        tender = tender.model_copy(update={"revision": tender.revision + 1})
    return make_match(enterprise, tender, kind, at=START)


async def _outbox_empty(db: AsyncDatabase[Document], within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    while await db["outbox"].count_documents({}):
        assert time.monotonic() < deadline, f"the outbox still holds work after {within} s"
        await asyncio.sleep(0.05)


async def _reminder(db: AsyncDatabase[Document], tender: Tender, status: str) -> Document:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = await db["deliveries"].find_one(
            {"type": "reminder", "tender_uid": tender.uid, "status": status}
        )
        if found:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {status} reminder for {tender.uid}")


async def test_reminder_three_days_before_and_none_for_cancelled_or_closed(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document], mail: MailSink
) -> None:
    enterprise = make_enterprise(language="fr", preferences={"reminder_days": 3})
    address = str(enterprise.contacts.email)
    await upsert_enterprises(db, [enterprise])
    deadline = DEADLINE.isoformat()
    kept = make_tender(title="Déneigement", submission_deadline=deadline)
    cancelled = make_tender(title="Tonte", submission_deadline=deadline)
    clock = ManualClock(START)
    settings: dict[str, Any] = {"delivery_poll_seconds": 0.05, "serve": False, "clock": clock}
    async with running_notifier(stack, namespace, **settings) as notifier:
        await notifier.send_match(_match(enterprise, kept, TenderEventKind.PUBLISHED))
        await notifier.send_match(_match(enterprise, cancelled, TenderEventKind.PUBLISHED))
        await mail.wait_for(address, count=2)
        await _reminder(db, kept, "scheduled")
        await notifier.send_match(_match(enterprise, cancelled, TenderEventKind.CANCELLED))
        await mail.wait_for(address, count=3)  # the cancellation itself
        clock.set(DEADLINE - timedelta(days=3))
        emails = await mail.wait_for(address, count=4)
        sent = await _reminder(db, kept, "sent")
        dropped = await _reminder(db, cancelled, "suppressed")
        # Nothing more can be sent: every match consumed, and the outbox (only pending work,
        # an entry removed once its mail was accepted or suppressed) empty.
        await wait_until_consumed(
            stack.kafka_bootstrap,
            notifier.settings.notifier_group_id,
            notifier.settings.topic(MATCHES_TOPIC),
        )
        await _outbox_empty(db)
        total = len(await mail.messages_to(address))

    reminder = emails[3]
    assert reminder["subject"] == "Rappel : Déneigement — date limite 2026-12-06 10 h 00 (EST)"
    assert reminder["text"].startswith("RAPPEL — Déneigement")
    assert sent["due_at"] == DEADLINE - timedelta(days=3)
    assert dropped["detail"] == "tender cancelled"
    assert total == 4  # one reminder, none for the cancelled tender


async def test_no_reminder_once_the_tender_has_closed(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document], mail: MailSink
) -> None:
    enterprise = make_enterprise(preferences={"reminder_days": 3})
    address = str(enterprise.contacts.email)
    await upsert_enterprises(db, [enterprise])
    tender = make_tender(submission_deadline=DEADLINE.isoformat())
    clock = ManualClock(START)
    async with running_notifier(
        stack, namespace, serve=False, clock=clock, delivery_poll_seconds=0.05
    ) as notifier:
        await notifier.send_match(_match(enterprise, tender, TenderEventKind.PUBLISHED))
        # The alert goes out before the clock jumps: moved first, it would find its lease gone
        # and the tender closed, and be suppressed too.
        await mail.wait_for(address, count=1)
        await _reminder(db, tender, "scheduled")
        clock.set(DEADLINE + timedelta(minutes=1))  # the notifier was down until after closing
        closed = await _reminder(db, tender, "suppressed")

    assert closed["detail"] == "tender closed"
    assert len(await mail.messages_to(address)) == 1
