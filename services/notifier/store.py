"""MongoDB adapter of the notifier: enterprises, and the delivery log that is also its outbox.

One document per idempotency key (`_id`). Its life: `scheduled` (with `due_at`) → `sending`
(leased to one sender until `lease_until`) → `sent` | `failed` | `suppressed`, or back to
`scheduled` for a retry or a deferral. A sender that dies mid-send leaves a lease that expires,
and the message is sent again (at-least-once; the Message-ID lets mail clients fold it).
Leases are taken with one conditional update, so several notifier copies never send the same
message at once — no transactions needed, FerretDB has none.

FerretDB 1.x (the local stack) scans the collection for every write, even by `_id`: a write
costs ~10 ms at 1,000 deliveries and grows with the collection. Hence one write fewer per
message where possible (`claim_leased`) and a read before a conditional lease. MongoDB uses
the `_id` and `status_due` indexes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.enterprises import Enterprise
from shared.mongo import Document

SETTLED = ("sent", "suppressed", "failed")


def _leasable(delivery: Document, now: datetime) -> bool:
    if delivery["status"] == "scheduled":
        return bool(delivery["due_at"] <= now)
    return delivery["status"] == "sending" and bool(delivery.get("lease_until", now) < now)


class DeliveryStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._enterprises = db["enterprises"]
        self._deliveries = db["deliveries"]

    async def ensure_indexes(self) -> None:
        await self._deliveries.create_index([("enterprise_id", ASCENDING)], name="enterprise")
        await self._deliveries.create_index(
            [("status", ASCENDING), ("due_at", ASCENDING)], name="status_due"
        )

    async def enterprise(self, enterprise_id: str) -> Enterprise | None:
        document = await self._enterprises.find_one({"_id": enterprise_id})
        return Enterprise.from_document(document) if document else None

    async def claim(
        self,
        key: str,
        details: Document,
        due_at: datetime,
        now: datetime,
        status: str = "scheduled",
    ) -> bool:
        """Record the intent to deliver; False if this key was already recorded.

        `held` items wait for the digest named in their details; the dispatcher never picks them.
        """
        try:
            await self._deliveries.insert_one(
                {
                    "_id": key,
                    "status": status,
                    "due_at": due_at,
                    "attempts": 0,
                    "created_at": now,
                    "updated_at": now,
                    **details,
                }
            )
        except DuplicateKeyError:
            return False
        return True

    async def claim_leased(
        self, key: str, details: Document, now: datetime, lease_seconds: float
    ) -> Document | None:
        """Record the intent already leased to this sender, to send at once: one write instead
        of an insert then a lease. None if this key was already recorded."""
        document = {
            "_id": key,
            "status": "sending",
            "due_at": now,
            "lease_until": now + timedelta(seconds=lease_seconds),
            "attempts": 1,
            "created_at": now,
            "updated_at": now,
            **details,
        }
        try:
            await self._deliveries.insert_one(document)
        except DuplicateKeyError:
            return None
        return document

    async def status(self, key: str) -> str | None:
        found = await self._deliveries.find_one({"_id": key}, {"status": 1})
        return str(found["status"]) if found else None

    async def lease(self, key: str, now: datetime, seconds: float) -> Document | None:
        """Take the delivery for sending if it is due and nobody holds it; None otherwise."""
        current = await self._deliveries.find_one({"_id": key})
        if current is None or not _leasable(current, now):
            return None  # cheap answer for stale keys; the conditional update below decides
        return await self._deliveries.find_one_and_update(
            {
                "_id": key,
                "$or": [
                    {"status": "scheduled", "due_at": {"$lte": now}},
                    {"status": "sending", "lease_until": {"$lt": now}},
                ],
            },
            {
                "$set": {
                    "status": "sending",
                    "lease_until": now + timedelta(seconds=seconds),
                    "updated_at": now,
                },
                "$inc": {"attempts": 1},
            },
            return_document=ReturnDocument.AFTER,
        )

    async def due(self, now: datetime, limit: int) -> list[str]:
        """Keys worth a lease attempt: due, or leased by a sender that went silent."""
        cursor = self._deliveries.find(
            {
                "$or": [
                    {"status": "scheduled", "due_at": {"$lte": now}},
                    {"status": "sending", "lease_until": {"$lt": now}},
                ]
            },
            {"_id": 1},
        ).limit(limit)
        return [str(document["_id"]) async for document in cursor]

    async def reschedule(self, key: str, due_at: datetime, now: datetime, **fields: Any) -> None:
        await self._deliveries.update_one(
            {"_id": key},
            {"$set": {"status": "scheduled", "due_at": due_at, "updated_at": now, **fields}},
        )

    async def mark(self, key: str, status: str, now: datetime, detail: str = "") -> None:
        await self._deliveries.update_one(
            {"_id": key},
            {"$set": {"status": status, "detail": detail, "updated_at": now}},
        )

    async def ensure_digest(
        self, key: str, details: Document, due_at: datetime, now: datetime
    ) -> None:
        """The digest message of one period, created by its first item (idempotent)."""
        document = {"status": "scheduled", "due_at": due_at, "attempts": 0, "created_at": now}
        await self._deliveries.update_one(
            {"_id": key}, {"$setOnInsert": {**document, **details}}, upsert=True
        )

    async def held_items(self, digest_key: str) -> list[Document]:
        cursor = self._deliveries.find({"digest_key": digest_key, "status": "held"})
        return [document async for document in cursor]

    async def settle_items(self, keys: list[str], status: str, now: datetime, detail: str) -> None:
        await self._deliveries.update_many(
            {"_id": {"$in": keys}, "status": "held"},
            {"$set": {"status": status, "detail": detail, "updated_at": now}},
        )

    async def schedule_reminder(
        self, key: str, details: Document, due_at: datetime, now: datetime
    ) -> None:
        """A reminder per tender and enterprise; an amended deadline moves one not yet sent."""
        if await self.claim(key, details, due_at, now):
            return
        await self._deliveries.update_one(
            {"_id": key, "status": "scheduled"},
            {"$set": {"due_at": due_at, "match": details["match"], "updated_at": now}},
        )

    async def cancel_reminders(
        self, tender_uid: str, enterprise_id: str, now: datetime, reason: str
    ) -> None:
        await self._deliveries.update_many(
            {
                "type": "reminder",
                "tender_uid": tender_uid,
                "enterprise_id": enterprise_id,
                "status": "scheduled",
            },
            {"$set": {"status": "suppressed", "detail": reason, "updated_at": now}},
        )

    async def items(self, keys: list[str]) -> list[Document]:
        cursor = self._deliveries.find({"_id": {"$in": keys}})
        return [document async for document in cursor]
