"""MongoDB adapter of the preview: the calls ingest stored, read back for one profile's preview.

Ingest owns the `tenders` collection (services/ingest/registry.py: `_id` the uid, `tender` the
event's tender as JSON, `status` open or cancelled); this port only reads it, projecting the
tender alone (not its revision history).

Cost: the filter is on `tender.published_at`, which FerretDB serves by scanning the whole
collection (it uses an index only on `_id`), then sorts what is in the window. So one preview
is one scan of `tenders`; it is bounded twice, by `max_tenders` (the newest read, 2,000 by
default) and by `timeout_seconds` (2 s). Past either, the preview is computed on what was read
and says it may be more. Previews run only when a person asks (a button), never per keystroke.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import structlog
from pydantic import ValidationError
from pymongo.asynchronous.database import AsyncDatabase

from notifier.profile_preview import RecentRead
from shared.events import Tender
from shared.mongo import Document

log = structlog.get_logger()


class MongoRecentTenders:
    def __init__(
        self, db: AsyncDatabase[Document], max_tenders: int = 2000, timeout_seconds: float = 2.0
    ) -> None:
        self._tenders = db["tenders"]
        self._max = max_tenders
        self._timeout = timeout_seconds

    async def published_since(self, since: datetime) -> RecentRead:
        # Stored as pydantic's JSON: UTC, `Z`-suffixed, so ISO strings order as the instants do.
        floor = since.astimezone(UTC).isoformat().replace("+00:00", "Z")
        cursor = (
            self._tenders.find(
                {"tender.published_at": {"$gte": floor}, "status": {"$ne": "cancelled"}},
                {"tender": 1},
            )
            .sort("tender.published_at", -1)
            .limit(self._max + 1)
        )
        found: list[Tender] = []
        complete = True
        try:
            async with asyncio.timeout(self._timeout):
                async for document in cursor:
                    if len(found) == self._max:
                        complete = False
                        break
                    try:
                        found.append(Tender.model_validate(document["tender"]))
                    except ValidationError:
                        log.warning("preview_tender_unreadable", uid=str(document.get("_id")))
        except TimeoutError:
            complete = False
            log.warning("preview_read_timed_out", read=len(found))
        finally:
            await cursor.close()
        return RecentRead(found, complete)
