"""Leases on the real store (FerretDB here, MongoDB in production): taking one is inserting
`{key}#{n}`, so two notifier instances racing for one message never both win it, even where
the engine applies a conditional update as read-then-write; the loser of an expired lease is
fenced off."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest_asyncio
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.monitoring import (
    CommandFailedEvent,
    CommandListener,
    CommandStartedEvent,
    CommandSucceededEvent,
)

from notifier.delivery import Delivery, RecordStatus
from notifier.store import DeliveryStore
from shared.events import Channel
from shared.mongo import Document, make_client
from tests.factories import NOW
from tests.stack_clients import StackEndpoints

KEYS = [f"k{n}#new#email" for n in range(40)]
KEY = KEYS[0]
Instances = tuple[DeliveryStore, DeliveryStore]


@pytest_asyncio.fixture(loop_scope="session")
async def other_db(stack: StackEndpoints, namespace: str) -> AsyncIterator[AsyncDatabase[Document]]:
    """The same database through a client of its own: another instance's connections."""
    client = make_client(stack.mongo_url(namespace))
    try:
        yield client[namespace]
    finally:
        await client.close()


async def _two_instances(
    db: AsyncDatabase[Document], other_db: AsyncDatabase[Document], keys: list[str]
) -> tuple[DeliveryStore, DeliveryStore]:
    """Two instances' stores, and `keys` scheduled for now."""
    one, two = DeliveryStore(db, owner="one"), DeliveryStore(other_db, owner="two")
    await one.ensure_indexes()
    for key in keys:
        record = Delivery(key, RecordStatus.SCHEDULED, "e", Channel.EMAIL, attempts=0, due_at=NOW)
        assert await one.claim(record, NOW)
    return one, two


async def _taken(store: DeliveryStore, at: datetime, number: int) -> Delivery:
    """KEY leased by `store` at `at` for 60 s, as its lease `number`."""
    lease = await store.lease(KEY, at, 60)
    assert lease is not None
    assert lease.lease == number
    return lease


@pytest_asyncio.fixture(loop_scope="session")
async def one_message(db: AsyncDatabase[Document], other_db: AsyncDatabase[Document]) -> Instances:
    """Two instances' stores, and one message (KEY) scheduled for now."""
    return await _two_instances(db, other_db, [KEY])


async def test_two_instances_racing_for_every_message_win_each_once(
    db: AsyncDatabase[Document], other_db: AsyncDatabase[Document]
) -> None:
    one, two = await _two_instances(db, other_db, KEYS)

    won = await asyncio.gather(
        *(store.lease(key, NOW, 60) for key in KEYS for store in (one, two, one, two))
    )

    winners = [lease.key for lease in won if lease is not None]
    assert sorted(winners) == sorted(KEYS)
    owners = {d["_id"]: d["owner"] async for d in db["leases"].find({})}
    assert sorted(owners) == sorted(f"{key}#1" for key in KEYS)


async def test_an_expired_lease_is_taken_over_and_its_old_holder_is_fenced_off(
    one_message: Instances,
) -> None:
    one, two = one_message

    await _taken(one, NOW, 1)
    assert await two.lease(KEY, NOW + timedelta(seconds=59), 60) is None  # still held
    assert await one.holds(KEY, 1, NOW + timedelta(seconds=20), 30)
    assert not await one.holds(KEY, 1, NOW + timedelta(seconds=40), 30)  # too little left

    await _taken(two, NOW + timedelta(seconds=61), 2)
    assert not await one.holds(KEY, 1, NOW + timedelta(seconds=61), 0)  # taken over
    assert await two.holds(KEY, 2, NOW + timedelta(seconds=62), 30)


async def test_a_released_lease_lets_the_rescheduled_message_go_when_due(
    one_message: Instances,
) -> None:
    one, two = one_message
    held = await _taken(one, NOW, 1)
    retry_at = NOW + timedelta(seconds=5)
    await one.reschedule(KEY, retry_at, NOW, held.attempts)
    await one.release(KEY, held.lease, NOW)

    await _taken(two, retry_at, 2)


class _LeaseReads(CommandListener):
    """Counts the `find` commands sent to `leases`."""

    def __init__(self) -> None:
        self.finds = 0

    def started(self, event: CommandStartedEvent) -> None:
        if event.command_name == "find" and event.command.get("find") == "leases":
            self.finds += 1

    def succeeded(self, event: CommandSucceededEvent) -> None:
        pass

    def failed(self, event: CommandFailedEvent) -> None:
        pass


async def test_fence_checks_made_at_once_are_read_together_and_each_gets_its_own_answer(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document]
) -> None:
    reads = _LeaseReads()
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        stack.mongo_url(namespace), tz_aware=True, event_listeners=[reads]
    )
    try:
        one, two = await _two_instances(client[namespace], db, KEYS)
        for key in KEYS:
            assert await one.lease(key, NOW, 60) is not None
        taken_over = KEYS[::2]
        for key in taken_over:
            assert await two.lease(key, NOW + timedelta(seconds=61), 60) is not None
        before = reads.finds

        checks = await asyncio.gather(
            *(one.holds(key, 1, NOW + timedelta(seconds=10), 30) for key in KEYS),
            *(two.holds(key, 2, NOW + timedelta(seconds=62), 30) for key in taken_over),
        )
    finally:
        await client.close()

    held_by_one, held_by_two = checks[: len(KEYS)], checks[len(KEYS) :]
    assert held_by_one == [key not in taken_over for key in KEYS]
    assert held_by_two == [True] * len(taken_over)
    # One instance's 40 checks went out together: far fewer queries than checks.
    assert 1 <= reads.finds - before <= 3


async def test_an_instant_claim_holds_lease_1_in_its_outbox_entry_until_it_ends(
    db: AsyncDatabase[Document], other_db: AsyncDatabase[Document]
) -> None:
    one, two = DeliveryStore(db, owner="one"), DeliveryStore(other_db, owner="two")
    record = Delivery(KEY, RecordStatus.SCHEDULED, "e", Channel.EMAIL, attempts=0, due_at=NOW)

    leased = await one.claim_many_leased([record], NOW, 60)

    assert leased[KEY].lease == 1
    assert await db["leases"].count_documents({}) == 0  # the entry is the lease
    assert await two.lease(KEY, NOW + timedelta(seconds=59), 60) is None  # still held
    assert await one.holds(KEY, 1, NOW + timedelta(seconds=20), 30)
    assert not await one.holds(KEY, 1, NOW + timedelta(seconds=40), 30)  # too little left
    assert not await two.holds(KEY, 1, NOW + timedelta(seconds=20), 30)  # not its lease

    await _taken(two, NOW + timedelta(seconds=61), 2)
    assert not await one.holds(KEY, 1, NOW + timedelta(seconds=61), 0)  # taken over
    assert await two.holds(KEY, 2, NOW + timedelta(seconds=62), 30)


async def test_an_instant_claim_whose_entry_another_copy_repaired_first_sends_nothing(
    db: AsyncDatabase[Document], other_db: AsyncDatabase[Document]
) -> None:
    one, two = DeliveryStore(db, owner="one"), DeliveryStore(other_db, owner="two")
    record = Delivery(KEY, RecordStatus.SCHEDULED, "e", Channel.EMAIL, attempts=0, due_at=NOW)
    await two.repair(record)  # the redelivered match, on the other copy, wrote the entry

    assert await one.claim_many_leased([record], NOW, 60) == {}

    await _taken(two, NOW, 1)  # the poll's lease 1, a document of `leases`
    assert not await one.holds(KEY, 1, NOW, 0)
    assert await two.holds(KEY, 1, NOW, 30)


async def test_a_replayed_instant_send_is_leased_again_under_a_new_number(
    db: AsyncDatabase[Document], other_db: AsyncDatabase[Document]
) -> None:
    one, two = DeliveryStore(db, owner="one"), DeliveryStore(other_db, owner="two")
    record = Delivery(KEY, RecordStatus.SCHEDULED, "e", Channel.EMAIL, attempts=0, due_at=NOW)
    assert await one.claim_many_leased([record], NOW, 60)
    await one.settle(KEY, RecordStatus.FAILED, NOW, "refused")

    later = NOW + timedelta(seconds=5)
    await one.replay(KEY, later)

    replayed = await _taken(two, later, 2)
    assert not await one.holds(KEY, 1, later, 0)
    assert await two.holds(KEY, replayed.lease, later, 30)


async def test_an_instant_sender_that_stalled_or_was_taken_over_fails_its_first_check(
    db: AsyncDatabase[Document], other_db: AsyncDatabase[Document]
) -> None:
    one, two = DeliveryStore(db, owner="one"), DeliveryStore(other_db, owner="two")
    stalled, overtaken = KEYS[1], KEYS[2]
    records = [
        Delivery(key, RecordStatus.SCHEDULED, "e", Channel.EMAIL, attempts=0, due_at=NOW)
        for key in (stalled, overtaken)
    ]
    assert len(await one.claim_many_leased(records, NOW, 60)) == 2
    assert await two.lease(overtaken, NOW + timedelta(seconds=61), 60) is not None

    assert not await one.holds(stalled, 1, NOW + timedelta(seconds=40), 30)
    assert not await one.holds(overtaken, 1, NOW + timedelta(seconds=10), 0)
