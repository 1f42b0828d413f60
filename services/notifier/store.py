"""MongoDB adapter of the notifier: enterprises, and the delivery log keyed by idempotency key."""

from __future__ import annotations

from datetime import UTC, datetime

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.enterprises import Enterprise
from shared.mongo import Document


class DeliveryStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._enterprises = db["enterprises"]
        self._deliveries = db["deliveries"]

    async def ensure_indexes(self) -> None:
        await self._deliveries.create_index([("enterprise_id", ASCENDING)], name="enterprise")

    async def enterprise(self, enterprise_id: str) -> Enterprise | None:
        document = await self._enterprises.find_one({"_id": enterprise_id})
        return Enterprise.from_document(document) if document else None

    async def claim(self, key: str, details: Document) -> str | None:
        """Record the intent to deliver. None if new; else the status already recorded."""
        now = datetime.now(UTC)
        try:
            await self._deliveries.insert_one(
                {"_id": key, "status": "pending", "created_at": now, "updated_at": now, **details}
            )
        except DuplicateKeyError:
            existing = await self._deliveries.find_one({"_id": key}, {"status": 1})
            return str(existing["status"]) if existing else "pending"
        return None

    async def mark(self, key: str, status: str, detail: str = "") -> None:
        await self._deliveries.update_one(
            {"_id": key},
            {"$set": {"status": status, "detail": detail, "updated_at": datetime.now(UTC)}},
        )
