"""MongoDB adapter of the preview: the calls ingest stored, read back for profile previews.

Ingest owns the `tenders` collection (services/ingest/registry.py: `_id` the uid, `tender` the
event's tender as JSON, `status` open or cancelled); this port only reads it, projecting the
tender alone (not its revision history).

Cost, and its bounds. The filter is on `tender.published_at`, which FerretDB answers by scanning
the whole collection (it uses an index only on `_id`): on the local stack about 1 ms per stored
tender, whatever the projection (10,000 stored: ~8 s; see `benchmarks/profile_preview.py`). So:
- one scan serves every preview for `ttl_seconds` (10 min): the window's calls are kept in
  memory (at most `max_tenders`), and concurrent previews wait on the same scan;
- the scan stops after `timeout_seconds` (8 s), and keeps the newest `max_tenders` (5,000) it
  saw (results stream in insertion order, so the oldest are dropped first); either way the
  preview says it counted a part (`complete` False);
- no sort: a sort would make FerretDB read and order everything before the first result.
Previews run when a person asks (a button), never per keystroke. A real MongoDB with an index
on `tender.published_at` would answer the same query from the index.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
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
        self,
        db: AsyncDatabase[Document],
        max_tenders: int = 5000,
        timeout_seconds: float = 8.0,
        ttl_seconds: float = 600.0,
    ) -> None:
        self._tenders = db["tenders"]
        self._max = max_tenders
        self._timeout = timeout_seconds
        self._ttl = ttl_seconds
        self._lock = asyncio.Lock()
        self._snapshot: tuple[float, datetime, RecentRead] | None = None  # taken, since, read

    async def published_since(self, since: datetime) -> RecentRead:
        async with self._lock:
            snapshot = self._snapshot
            if snapshot is None or not self._serves(snapshot, since):
                snapshot = (time.monotonic(), since, await self._scan(since))
                self._snapshot = snapshot
        read = snapshot[2]
        return RecentRead([t for t in read.tenders if t.published_at >= since], read.complete)

    def _serves(self, snapshot: tuple[float, datetime, RecentRead], since: datetime) -> bool:
        taken, covered, _ = snapshot
        return time.monotonic() - taken < self._ttl and covered <= since

    async def _scan(self, since: datetime) -> RecentRead:
        # Stored as pydantic's JSON: UTC, `Z`-suffixed, so ISO strings order as the instants do.
        floor = since.astimezone(UTC).isoformat().replace("+00:00", "Z")
        cursor = self._tenders.find(
            {"tender.published_at": {"$gte": floor}, "status": {"$ne": "cancelled"}},
            {"tender": 1},
        )
        kept: deque[Tender] = deque(maxlen=self._max)
        seen, complete, began = 0, True, time.monotonic()
        try:
            async with asyncio.timeout(self._timeout):
                async for document in cursor:
                    seen += 1
                    try:
                        kept.append(Tender.model_validate(document["tender"]))
                    except ValidationError:
                        log.warning("preview_tender_unreadable", uid=str(document.get("_id")))
        except TimeoutError:
            complete = False
        finally:
            await cursor.close()
        complete = complete and seen <= self._max
        log.info(
            "preview_tenders_scanned",
            seen=seen,
            kept=len(kept),
            complete=complete,
            seconds=round(time.monotonic() - began, 2),
        )
        return RecentRead(list(kept), complete)
