"""Writing enterprises to MongoDB: an upsert per enterprise id, so an import can be re-run."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from pymongo import ReplaceOne
from pymongo.asynchronous.database import AsyncDatabase

from shared.enterprises import Enterprise
from shared.mongo import Document

BATCH_SIZE = 500


async def upsert_enterprises(
    db: AsyncDatabase[Document],
    enterprises: Sequence[Enterprise],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Returns how many enterprises were written; `progress` hears of each batch."""
    collection = db["enterprises"]
    written = 0
    now = datetime.now(UTC)
    for start in range(0, len(enterprises), BATCH_SIZE):
        batch = enterprises[start : start + BATCH_SIZE]
        requests = [
            ReplaceOne({"_id": e.id}, {**e.to_document(), "updated_at": now}, upsert=True)
            for e in batch
        ]
        await collection.bulk_write(requests, ordered=False)
        written += len(batch)
        if progress:
            progress(len(batch))
    return written
