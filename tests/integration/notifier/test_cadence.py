"""Digests at the enterprise's hour, quiet hours, pause and reminders, on a clock the test moves."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared.enterprises import Enterprise
from shared.events import (
    DELIVERIES_TOPIC,
    MATCHES_TOPIC,
    DeliveryEvent,
    MatchEvent,
    TenderEventKind,
)
from shared.mongo import Document
from tests.factories import make_enterprise, make_match, make_tender
from tests.integration.notifier.harness import (
    DAWN,
    FAST,
    ManualClock,
    RunningNotifier,
    running_notifier,
)
from tests.stack_clients import MailSink, StackEndpoints, read_topic, wait_until_consumed
from vigie.enterprise_store import upsert_enterprises


def _match(
    enterprise: Enterprise,
    title: str,
    kind: TenderEventKind = TenderEventKind.PUBLISHED,
    **tender: Any,
) -> MatchEvent:
    return make_match(enterprise, make_tender(title=title, **tender), kind, at=DAWN)


async def _quiet(
    notifier: RunningNotifier,
    db: AsyncDatabase[Document],
    clock: ManualClock,
    mail: MailSink,
    address: str,
    within: float = 20.0,
) -> list[dict[str, Any]]:
    """What arrived, once nothing more can at the clock's time: the notifier has consumed every
    match sent (their records are durable), and its outbox holds nothing due now nor being sent
    (a send is settled, and its entry removed, only after the mail server accepted the mail)."""
    settings = notifier.settings
    await wait_until_consumed(
        notifier.stack.kafka_bootstrap,
        settings.notifier_group_id,
        settings.topic(MATCHES_TOPIC),
        within,
    )
    pending = {"$or": [{"ready_at": {"$lte": clock.now}}, {"state": {"$ne": "scheduled"}}]}
    deadline = time.monotonic() + within
    while await db["outbox"].count_documents(pending):
        assert time.monotonic() < deadline, f"outbox still has work due within {within} s"
        await asyncio.sleep(0.05)
    return await mail.messages_to(address)


async def _statuses(db: AsyncDatabase[Document], enterprise: Enterprise) -> dict[str, str]:
    cursor = db["deliveries"].find({"enterprise_id": enterprise.id, "type": "alert"})
    return {d["match_id"]: d["status"] async for d in cursor}


async def _wait_status(db: AsyncDatabase[Document], key_prefix: str, status: str) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = await db["deliveries"].find_one(
            {"status": status, "_id": {"$regex": f"^{key_prefix}"}}
        )
        if found:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {status} delivery starting with {key_prefix}")


async def test_daily_digest_lists_every_match_at_the_chosen_hour(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document], mail: MailSink
) -> None:
    enterprise = make_enterprise(language="fr", preferences={"cadence": "daily", "digest_hour": 8})
    address = str(enterprise.contacts.email)
    await upsert_enterprises(db, [enterprise])
    clock = ManualClock(DAWN)
    first, second = _match(enterprise, "Déneigement"), _match(enterprise, "Tonte de gazon")
    async with running_notifier(stack, namespace, clock=clock, **FAST) as notifier:
        await notifier.send_match(first)
        await notifier.send_match(second)
        await _wait_status(db, first.match_id, "held")
        await _wait_status(db, second.match_id, "held")
        clock.set(DAWN + timedelta(hours=1, minutes=59))  # 07:59 local
        before = await _quiet(notifier, db, clock, mail, address)
        clock.set(DAWN + timedelta(hours=2))  # 08:00 local
        [digest] = await mail.wait_for(address, count=1)
        await _wait_status(db, "digest#", "sent")
        events = await read_topic(
            stack.kafka_bootstrap, notifier.settings.topic(DELIVERIES_TOPIC), 4
        )

    assert before == []
    assert digest["subject"] == "Vigie : 2 appel(s) d'offres pour vous"
    for title in ("Déneigement", "Tonte de gazon"):
        assert title in digest["text"]
        assert title in digest["html"]
    assert digest["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    statuses = await _statuses(db, enterprise)
    assert statuses[first.match_id] == statuses[second.match_id] == "sent"
    outcomes = sorted(DeliveryEvent.model_validate_json(e.value).status for e in events)
    assert outcomes == ["deferred", "deferred", "sent", "sent"]


async def test_quiet_hours_defer_then_deliver_but_let_an_urgent_cancellation_through(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document], mail: MailSink
) -> None:
    enterprise = make_enterprise(
        language="en", preferences={"quiet_hours": {"start": "21:00", "end": "07:00"}}
    )
    address = str(enterprise.contacts.email)
    await upsert_enterprises(db, [enterprise])
    night = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)  # 23:00 in Toronto
    clock = ManualClock(night)
    new = _match(enterprise, "Paving")
    closing_soon = (night + timedelta(hours=30)).isoformat()
    urgent = _match(
        enterprise, "Snow removal", TenderEventKind.CANCELLED, submission_deadline=closing_soon
    )
    async with running_notifier(stack, namespace, clock=clock, **FAST) as notifier:
        await notifier.send_match(new)
        await notifier.send_match(urgent)
        [cancellation] = await mail.wait_for(address, count=1)
        await _wait_status(db, new.match_id, "scheduled")
        still_night = await _quiet(notifier, db, clock, mail, address)
        clock.set(night + timedelta(hours=8))  # 07:00 in Toronto
        both = await mail.wait_for(address, count=2)
        deferred = await db["deliveries"].find_one({"match_id": new.match_id})

    assert cancellation["subject"] == "Cancelled: Snow removal"
    assert len(still_night) == 1
    assert both[1]["subject"].startswith("Paving — deadline")
    assert deferred is not None
    assert (deferred["status"], deferred["attempts"]) == ("sent", 1)


async def test_paused_enterprise_gets_nothing(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document], mail: MailSink
) -> None:
    enterprise = make_enterprise(preferences={"paused": True})
    await upsert_enterprises(db, [enterprise])
    match = _match(enterprise, "Entretien")
    async with running_notifier(stack, namespace, **FAST) as notifier:
        await notifier.send_match(match)
        await _wait_status(db, match.match_id, "suppressed")

    assert await mail.messages_to(str(enterprise.contacts.email)) == []
