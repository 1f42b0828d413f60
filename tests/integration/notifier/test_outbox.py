"""The outbox against the real stack: it holds only pending work, everything is found by key,
and a crash between the record and its outbox entry loses nothing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from notifier.delivery import Delivery, RecordStatus
from notifier.dispatcher import Dispatcher
from notifier.ports import ChannelSender
from notifier.service import (
    Deliverer,
    Notifier,
    delivery_key,
    digest_key,
    reminder_key,
)
from notifier.settler import Settler
from notifier.store import DeliveryStore
from shared.enterprises import Enterprise
from shared.events import (
    MATCHES_TOPIC,
    Channel,
    DeliveryEvent,
    MatchEvent,
    Tender,
    TenderEventKind,
)
from shared.kafka.coordinates import Consumed, Coordinates
from shared.mongo import Document
from tests.factories import make_enterprise, make_match, make_tender
from tests.integration.notifier.harness import DAWN, FAST, ManualClock, running_notifier
from tests.stack_clients import MailSink, StackEndpoints, wait_until_consumed
from vigie.enterprise_store import upsert_enterprises


def _match(
    enterprise: Enterprise, tender: Tender, kind: TenderEventKind = TenderEventKind.PUBLISHED
) -> MatchEvent:
    return make_match(enterprise, tender, kind, at=DAWN)


async def _until(check: Callable[[], Awaitable[bool]], within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


def _status(db: AsyncDatabase[Document], key: str, status: str) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        found = await db["deliveries"].find_one({"_id": key})
        return found is not None and found["status"] == status

    return check


async def _outbox(db: AsyncDatabase[Document]) -> dict[str, Document]:
    return {str(d["_id"]): d async for d in db["outbox"].find({})}


async def test_outbox_holds_only_pending_work_and_a_redelivery_sends_nothing(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document], mail: MailSink
) -> None:
    enterprises = [make_enterprise() for _ in range(5)]
    await upsert_enterprises(db, enterprises)
    matches = [_match(e, make_tender(title=f"Lot {i}")) for i, e in enumerate(enterprises)]
    keys = [delivery_key(m, Channel.EMAIL) for m in matches]
    async with running_notifier(stack, namespace, **FAST) as notifier:
        for match in matches:
            await notifier.send_match(match)
        for key in keys:
            await _until(_status(db, key, "sent"))
        await _until(lambda: _empty_outbox(db))
        for match in matches:  # Kafka delivers them all again
            await notifier.send_match(match)
        # Every redelivered match handled, its effects durable (committed only after them).
        await wait_until_consumed(
            stack.kafka_bootstrap,
            notifier.settings.notifier_group_id,
            notifier.settings.topic(MATCHES_TOPIC),
        )
        left = await _outbox(db)

    assert left == {}
    for enterprise in enterprises:
        assert len(await mail.messages_to(str(enterprise.contacts.email))) == 1
    assert await db["deliveries"].count_documents({}) == 5
    records = [await db["deliveries"].find_one({"_id": key}) for key in keys]
    assert [(r["status"], r["attempts"]) for r in records if r] == [("sent", 1)] * 5


async def _empty_outbox(db: AsyncDatabase[Document]) -> bool:
    return await db["outbox"].count_documents({}) == 0


async def _stored_daily_reader(db: AsyncDatabase[Document]) -> Enterprise:
    """An enterprise in the store that reads its alerts in a daily digest at 8:00."""
    enterprise = make_enterprise(language="fr", preferences={"cadence": "daily", "digest_hour": 8})
    await upsert_enterprises(db, [enterprise])
    return enterprise


async def test_a_digest_lists_its_items_and_gathers_them_by_key(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document], mail: MailSink
) -> None:
    enterprise = await _stored_daily_reader(db)
    first = _match(enterprise, make_tender(title="Déneigement"))
    second = _match(enterprise, make_tender(title="Tonte de gazon"))
    items = [delivery_key(first, Channel.EMAIL), delivery_key(second, Channel.EMAIL)]
    at = DAWN + timedelta(hours=2)  # 08:00 in Toronto
    digest = digest_key(enterprise.id, Channel.EMAIL, at)
    clock = ManualClock(DAWN)
    async with running_notifier(stack, namespace, clock=clock, **FAST) as notifier:
        await notifier.send_match(first)
        await notifier.send_match(second)
        for key in items:
            await _until(_status(db, key, "held"))
        waiting = await db["deliveries"].find_one({"_id": digest})
        pending = await _outbox(db)
        clock.set(at)
        [email] = await mail.wait_for(str(enterprise.contacts.email), count=1)
        await _until(_status(db, digest, "sent"))
        await _until(lambda: _empty_outbox(db))

    assert waiting is not None
    assert waiting["items"] == items
    assert list(pending) == [digest]  # the held items wait in the record, not the outbox
    assert pending[digest]["ready_at"] == at
    assert "Déneigement" in email["text"]
    assert "Tonte de gazon" in email["text"]
    for key in items:
        item = await db["deliveries"].find_one({"_id": key})
        assert item is not None
        assert (item["status"], item["detail"]) == ("sent", f"in {digest}")


async def test_reminders_are_moved_and_suppressed_by_key(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document]
) -> None:
    enterprise = make_enterprise(preferences={"reminder_days": 3})
    await upsert_enterprises(db, [enterprise])
    deadline = DAWN + timedelta(days=10)
    tender = make_tender(submission_deadline=deadline.isoformat())
    key = reminder_key(tender.uid, enterprise.id, Channel.EMAIL)
    later = deadline + timedelta(days=5)
    amended = tender.model_copy(update={"revision": 2, "submission_deadline": later})
    cancelled = amended.model_copy(update={"revision": 3})
    clock = ManualClock(DAWN)
    async with running_notifier(stack, namespace, clock=clock, **FAST) as notifier:
        await notifier.send_match(_match(enterprise, tender))
        await _until(lambda: _ready_at(db, key, deadline - timedelta(days=3)))
        first = await db["deliveries"].find_one({"_id": key})
        await notifier.send_match(_match(enterprise, amended, TenderEventKind.AMENDED))
        await _until(lambda: _ready_at(db, key, later - timedelta(days=3)))
        await notifier.send_match(_match(enterprise, cancelled, TenderEventKind.CANCELLED))
        await _until(_status(db, key, "suppressed"))
        await _until(lambda: _no_entry(db, key))

    assert first is not None
    assert (first["status"], first["due_at"]) == ("scheduled", deadline - timedelta(days=3))
    reminder = await db["deliveries"].find_one({"_id": key})
    assert reminder is not None
    assert reminder["due_at"] == later - timedelta(days=3)
    assert reminder["detail"] == "tender cancelled"


async def _ready_at(db: AsyncDatabase[Document], key: str, when: datetime) -> bool:
    entry = await db["outbox"].find_one({"_id": key})
    return entry is not None and entry["ready_at"] == when


async def _no_entry(db: AsyncDatabase[Document], key: str) -> bool:
    return await db["outbox"].find_one({"_id": key}) is None


class _Crash(Exception):
    pass


async def test_a_crash_between_the_record_and_its_outbox_entry_is_repaired_by_redelivery(
    stack: StackEndpoints,
    namespace: str,
    db: AsyncDatabase[Document],
    mail: MailSink,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    enterprise = make_enterprise()
    await upsert_enterprises(db, [enterprise])
    match = _match(enterprise, make_tender(title="Entretien"))
    key = delivery_key(match, Channel.EMAIL)
    crashing = DeliveryStore(db)

    async def crash(*args: Any, **kwargs: Any) -> None:
        raise _Crash

    # The first notifier records the intent, then dies before writing the outbox entry.
    monkeypatch.setattr(crashing._outbox, "insert_many", crash)
    now = datetime.now(UTC)
    record = Delivery.of_match(key, match, Channel.EMAIL, Coordinates("t", 0, 1), now)
    with pytest.raises(_Crash):
        await crashing.claim_leased(record, now, 60)
    orphan = await db["deliveries"].find_one({"_id": key})
    assert orphan is not None
    assert orphan["status"] == "scheduled"
    assert await _outbox(db) == {}
    async with running_notifier(stack, namespace, **FAST) as notifier:
        await notifier.send_match(match)  # its offset was never committed: Kafka redelivers
        await _until(_status(db, key, "sent"))
        await _until(lambda: _empty_outbox(db))

    assert len(await mail.messages_to(str(enterprise.contacts.email))) == 1


async def test_two_senders_never_both_lease_one_key(db: AsyncDatabase[Document]) -> None:
    store, other = DeliveryStore(db), DeliveryStore(db)
    await store.ensure_indexes()
    now = DAWN
    record = Delivery("k#1", RecordStatus.SCHEDULED, "e", Channel.EMAIL, attempts=0, due_at=now)
    assert await store.claim(record, now)
    leases = await asyncio.gather(*(s.lease("k#1", now, 60) for s in (store, other) * 3))
    assert len([lease for lease in leases if lease is not None]) == 1
    assert await store.due(now + timedelta(seconds=30), 10) == []  # held by its sender
    assert await store.due(now + timedelta(seconds=61), 10) == ["k#1"]  # the sender went silent
    await store.settle("k#1", RecordStatus.SENT, now, attempts=1)
    assert await store.pending() == 0
    assert await store.lease("k#1", now + timedelta(seconds=61), 60) is None


async def test_a_crash_between_a_held_item_and_its_digest_is_repaired_by_redelivery(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document], mail: MailSink
) -> None:
    enterprise = await _stored_daily_reader(db)
    match = _match(enterprise, make_tender(title="Déneigement"))
    key = delivery_key(match, Channel.EMAIL)
    at = DAWN + timedelta(hours=2)
    digest = digest_key(enterprise.id, Channel.EMAIL, at)
    alert = Delivery.of_match(key, match, Channel.EMAIL, Coordinates("t", 0, 1), at)
    held = replace(alert, status=RecordStatus.HELD, digest_key=digest)
    # The first notifier holds the item, then dies before its digest hears of it.
    assert await DeliveryStore(db).hold(held, DAWN)
    clock = ManualClock(DAWN)
    async with running_notifier(stack, namespace, clock=clock, **FAST) as notifier:
        await notifier.send_match(match)  # redelivered
        await _until(lambda: _lists(db, digest, key))
        await _until(lambda: _ready_at(db, digest, at))
        clock.set(at)
        [email] = await mail.wait_for(str(enterprise.contacts.email), count=1)
        await _until(_status(db, key, "sent"))

    assert "Déneigement" in email["text"]


async def _lists(db: AsyncDatabase[Document], digest: str, item: str) -> bool:
    found = await db["deliveries"].find_one({"_id": digest})
    return found is not None and found.get("items") == [item]


class _Dispatcher:
    def __init__(self) -> None:
        self.submitted: list[str] = []

    async def submit(self, key: str, run: Callable[[], Awaitable[None]]) -> None:
        self.submitted.append(key)

    def wake(self) -> None:
        return None


async def test_a_match_twice_in_one_batch_is_handed_over_once(db: AsyncDatabase[Document]) -> None:
    enterprise = make_enterprise()
    await upsert_enterprises(db, [enterprise])
    match = _match(enterprise, make_tender(title="Entretien"))
    store, dispatcher = DeliveryStore(db), _Dispatcher()

    async def publish(event: DeliveryEvent) -> None:
        return None

    async def dead_letter(delivery: Delivery, error: str) -> None:
        return None

    def clock() -> datetime:
        return DAWN

    deliverer = Deliverer(store, {}, publish, dead_letter, clock, Settler(store, publish, clock))
    channels = {Channel.EMAIL: cast(ChannelSender, object())}
    notifier = Notifier(store, channels, publish, deliverer, cast(Dispatcher, dispatcher), clock)
    await notifier.handle_batch(
        [Consumed(match, Coordinates("t", 0, 1)), Consumed(match, Coordinates("t", 0, 2))]
    )

    assert dispatcher.submitted == [delivery_key(match, Channel.EMAIL)]
    assert list(await _outbox(db)) == [delivery_key(match, Channel.EMAIL)]
