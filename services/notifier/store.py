"""MongoDB adapter of the notifier: enterprises, the delivery record, and the outbox.

Two collections, every hot-path read and write by `_id`:

- `deliveries` is the permanent record, one document per idempotency key (`_id`). Inserting it
  is the claim: a redelivered match finds its key taken and sends nothing twice. Its `status` is
  `scheduled` (pending: it has an outbox entry) or `held` (waiting for its digest) until it
  settles as `sent`, `suppressed` or `failed`. A digest's document lists its items' keys
  (`items`, grown with `$addToSet`), so they are read by `_id $in`, never searched for.
- `outbox` holds only pending work: `{_id: key, state, ready_at, attempts}`. `ready_at` is when
  somebody may take it — its due time while `scheduled`, its lease's end while `sending` — so the
  dispatcher's poll is one range on a collection the size of the work in hand, whatever the
  history, and a lease is one conditional update on `_id` (`ready_at <= now`): two senders never
  both win it, with no transaction. The entry is deleted once the delivery has settled.

Writes go delivery first, outbox second. A crash between the two leaves a `scheduled` delivery
without an outbox entry; the Kafka offset was not committed, so the match comes again and
`repair` writes the missing entry. A crash between settling the delivery and deleting its entry
leaves an entry whose delivery has settled; the next lease finds that out and drops it.

FerretDB (the local stand-in) serves `{_id: …}` and `{_id: {$in: …}}` from its index and scans
for anything else; MongoDB serves the `ready` index of the outbox too.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure

from notifier.delivery import Delivery, OutboxState, Outcome, RecordStatus
from shared.enterprises import Enterprise
from shared.mongo import Document

SETTLED = (RecordStatus.SENT.value, RecordStatus.SUPPRESSED.value, RecordStatus.FAILED.value)
DUPLICATE_KEY = 11000


class DeliveryStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._enterprises = db["enterprises"]
        self._deliveries = db["deliveries"]
        self._outbox = db["outbox"]

    async def ensure_indexes(self) -> None:
        await self._deliveries.create_index([("enterprise_id", ASCENDING)], name="enterprise")
        await self._outbox.create_index([("ready_at", ASCENDING)], name="ready")
        # The poll no longer reads `deliveries`: its old index would only slow every write.
        with contextlib.suppress(OperationFailure):
            await self._deliveries.drop_index("status_due")

    async def enterprise(self, enterprise_id: str) -> Enterprise | None:
        document = await self._enterprises.find_one({"_id": enterprise_id})
        return Enterprise.from_document(document) if document else None

    async def enterprises(self, enterprise_ids: list[str]) -> dict[str, Enterprise]:
        cursor = self._enterprises.find({"_id": {"$in": enterprise_ids}})
        return {str(d["_id"]): Enterprise.from_document(d) async for d in cursor}

    # -- intake ---------------------------------------------------------------------------

    @staticmethod
    def _record(delivery: Delivery, now: datetime) -> Document:
        return {**delivery.to_document(), "created_at": now, "updated_at": now}

    async def claim(self, delivery: Delivery, now: datetime) -> bool:
        """Record the intent to deliver at its `due_at` and put it in the outbox; False if its
        key was already recorded."""
        try:
            await self._deliveries.insert_one(self._record(delivery, now))
        except DuplicateKeyError:
            return False
        await self._outbox.insert_one(
            {
                "_id": delivery.key,
                "state": OutboxState.SCHEDULED.value,
                "ready_at": delivery.due_at,
                "attempts": 0,
            }
        )
        return True

    async def claim_leased(
        self, delivery: Delivery, now: datetime, lease_seconds: float
    ) -> Delivery | None:
        """Record the intent and its outbox entry already leased to this sender, to send at
        once. None if its key was already recorded."""
        leased = await self.claim_many_leased([delivery], now, lease_seconds)
        return leased.get(delivery.key)

    async def claim_many_leased(
        self, claims: list[Delivery], now: datetime, lease_seconds: float
    ) -> dict[str, Delivery]:
        """`claim_leased` for a batch, in two writes: the records, then the outbox entries of
        those this call created. Keys already recorded are left out of the answer."""
        if not claims:
            return {}
        records = {d.key: self._record(d, now) for d in claims}
        created = set(records) - await self._insert_new(list(records.values()))
        if not created:
            return {}
        until = now + timedelta(seconds=lease_seconds)
        await self._outbox.insert_many(
            [
                {"_id": key, "state": OutboxState.SENDING.value, "ready_at": until, "attempts": 1}
                for key in records
                if key in created
            ],
            ordered=False,
        )
        return {
            key: Delivery.from_document({**records[key], "attempts": 1})
            for key in records
            if key in created
        }

    async def _insert_new(self, documents: list[Document]) -> set[str]:
        """Insert the documents whose `_id` is new; the keys that were already there."""
        try:
            await self._deliveries.insert_many(documents, ordered=False)
        except BulkWriteError as error:
            errors = error.details.get("writeErrors", [])
            if any(e.get("code") != DUPLICATE_KEY for e in errors):
                raise
            return {str(documents[e["index"]]["_id"]) for e in errors}
        return set()

    async def hold(self, item: Delivery, now: datetime) -> bool:
        """Record an item held for its digest (`item.digest_key`); False if its key was already
        recorded. The digest is told with `add_to_digest`."""
        try:
            await self._deliveries.insert_one(self._record(item, now))
        except DuplicateKeyError:
            return False
        return True

    async def add_to_digest(self, digest: Delivery, item: str, now: datetime) -> None:
        """The digest of one period (created by its first item) lists this item; idempotent."""
        await self._deliveries.update_one(
            {"_id": digest.key},
            {
                "$setOnInsert": {
                    k: v
                    for k, v in self._record(digest, now).items()
                    # _id is named by the filter (MongoDB keeps it out of the update); items
                    # grow by $addToSet alone.
                    if k not in ("_id", "items")
                },
                "$addToSet": {"items": item},
            },
            upsert=True,
        )
        await self._ensure_outbox(digest.key, digest.due_at)

    async def _ensure_outbox(self, key: str, ready_at: datetime) -> None:
        await self._outbox.update_one(
            {"_id": key},
            {
                "$setOnInsert": {
                    "state": OutboxState.SCHEDULED.value,
                    "ready_at": ready_at,
                    "attempts": 0,
                }
            },
            upsert=True,
        )

    async def record(self, key: str) -> Delivery | None:
        document = await self._deliveries.find_one({"_id": key})
        return Delivery.from_document(document) if document else None

    async def repair(self, delivery: Delivery) -> None:
        """Finish the writes a crash may have cut short for a pending delivery: its outbox
        entry, or for a held item its place in its digest. Does nothing to what is there."""
        if delivery.status == RecordStatus.SCHEDULED:
            await self._ensure_outbox(delivery.key, delivery.due_at)

    async def replay(self, key: str, now: datetime) -> None:
        """A failed delivery tried afresh (an operator replayed it from the dead-letter topic)."""
        await self._deliveries.update_one(
            {"_id": key},
            {
                "$set": {
                    "status": RecordStatus.SCHEDULED.value,
                    "due_at": now,
                    "attempts": 0,
                    "updated_at": now,
                    "detail": "replayed",
                }
            },
        )
        await self._outbox.update_one(
            {"_id": key},
            {"$set": {"state": OutboxState.SCHEDULED.value, "ready_at": now, "attempts": 0}},
            upsert=True,
        )

    # -- dispatch ---------------------------------------------------------------------------

    async def due(self, now: datetime, limit: int) -> list[str]:
        """Keys worth a lease attempt: due, or leased by a sender that went silent."""
        cursor = (
            self._outbox.find({"ready_at": {"$lte": now}}, {"_id": 1})
            .sort("ready_at", ASCENDING)
            .limit(limit)
        )
        return [str(document["_id"]) async for document in cursor]

    async def pending(self) -> int:
        """How many entries the outbox holds (its whole working set)."""
        return await self._outbox.count_documents({})

    async def lease(self, key: str, now: datetime, seconds: float) -> Delivery | None:
        """Take the delivery for sending if it is due and nobody holds it; None otherwise."""
        entry = await self._outbox.find_one_and_update(
            {"_id": key, "ready_at": {"$lte": now}},
            {
                "$set": {
                    "state": OutboxState.SENDING.value,
                    "ready_at": now + timedelta(seconds=seconds),
                },
                "$inc": {"attempts": 1},
            },
            return_document=ReturnDocument.AFTER,
        )
        if entry is None:
            return None  # not due, gone, or another sender holds it
        delivery = await self._deliveries.find_one({"_id": key})
        if delivery is None or delivery["status"] != RecordStatus.SCHEDULED.value:
            await self._outbox.delete_one({"_id": key})  # settled before a crash: tidy up
            return None
        return Delivery.from_document({**delivery, "attempts": entry["attempts"]})

    async def reschedule(
        self, key: str, due_at: datetime, now: datetime, attempts: int, **fields: Any
    ) -> None:
        """Back to `scheduled` until `due_at` (a retry, a deferral, a replay)."""
        await self._deliveries.update_one(
            {"_id": key},
            {"$set": {"due_at": due_at, "attempts": attempts, "updated_at": now, **fields}},
        )
        await self._outbox.update_one(
            {"_id": key},
            {
                "$set": {
                    "state": OutboxState.SCHEDULED.value,
                    "ready_at": due_at,
                    "attempts": attempts,
                }
            },
            upsert=True,
        )

    async def settle(
        self,
        key: str,
        status: RecordStatus,
        now: datetime,
        detail: str = "",
        attempts: int | None = None,
    ) -> None:
        """Record the outcome, then leave the outbox."""
        fields: Document = {
            "status": RecordStatus(status).value,
            "detail": detail,
            "updated_at": now,
        }
        if attempts is not None:
            fields["attempts"] = attempts
        await self._deliveries.update_one({"_id": key}, {"$set": fields})
        await self._outbox.delete_one({"_id": key})

    async def settle_many(self, outcomes: list[Outcome], now: datetime) -> None:
        """`settle` for many: one update per kind of outcome, then one outbox delete."""
        if not outcomes:
            return

        def kind(outcome: Outcome) -> tuple[str, str, int]:
            return (
                RecordStatus(outcome.status).value,
                outcome.detail,
                -1 if outcome.attempts is None else outcome.attempts,
            )

        for (status, detail, attempts), group in groupby(sorted(outcomes, key=kind), key=kind):
            fields: Document = {"status": status, "detail": detail, "updated_at": now}
            if attempts >= 0:
                fields["attempts"] = attempts
            keys = [outcome.key for outcome in group]
            await self._deliveries.update_many({"_id": {"$in": keys}}, {"$set": fields})
        await self._outbox.delete_many({"_id": {"$in": [outcome.key for outcome in outcomes]}})

    # -- digests ----------------------------------------------------------------------------

    async def items(self, keys: list[str]) -> list[Delivery]:
        """A digest's items still held, in the order given."""
        if not keys:
            return []
        cursor = self._deliveries.find({"_id": {"$in": keys}})
        found = {str(d["_id"]): d async for d in cursor}
        held = RecordStatus.HELD.value
        return [
            Delivery.from_document(found[k])
            for k in keys
            if k in found and found[k]["status"] == held
        ]

    async def settle_items(
        self, keys: list[str], status: RecordStatus, now: datetime, detail: str
    ) -> None:
        if not keys:
            return
        await self._deliveries.update_many(
            {"_id": {"$in": keys}, "status": RecordStatus.HELD.value},
            {"$set": {"status": RecordStatus(status).value, "detail": detail, "updated_at": now}},
        )

    # -- reminders --------------------------------------------------------------------------

    async def schedule_reminder(self, reminder: Delivery, now: datetime) -> None:
        """A reminder per tender, enterprise and channel; an amended deadline moves one not yet
        sent (and a missing outbox entry is written again)."""
        if await self.claim(reminder, now):
            return
        key, due_at = reminder.key, reminder.due_at
        moved = await self._deliveries.update_one(
            {"_id": key, "status": RecordStatus.SCHEDULED.value},
            {"$set": {"due_at": due_at, "match": reminder.match_json, "updated_at": now}},
        )
        if moved.matched_count == 0:
            return  # already sent or suppressed
        with contextlib.suppress(DuplicateKeyError):  # being sent now: it reads the moved record
            await self._outbox.update_one(
                {"_id": key, "state": OutboxState.SCHEDULED.value},
                {"$set": {"ready_at": due_at}, "$setOnInsert": {"attempts": 0}},
                upsert=True,
            )

    async def cancel_reminders(self, keys: list[str], now: datetime, reason: str) -> None:
        """Suppress the reminders of these keys that have not gone out."""
        await self._deliveries.update_many(
            {"_id": {"$in": keys}, "status": RecordStatus.SCHEDULED.value},
            {
                "$set": {
                    "status": RecordStatus.SUPPRESSED.value,
                    "detail": reason,
                    "updated_at": now,
                }
            },
        )
        await self._outbox.delete_many({"_id": {"$in": keys}, "state": OutboxState.SCHEDULED.value})
