"""MongoDB adapter of the matcher: enterprises in, matches out (unique per revision)."""

from __future__ import annotations

from datetime import UTC, datetime

import structlog
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from shared.enterprises import Enterprise
from shared.events import MatchEvent
from shared.mongo import Document

log = structlog.get_logger()


class MatcherStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._enterprises = db["enterprises"]
        self._matches = db["matches"]

    async def ensure_indexes(self) -> None:
        await self._matches.create_index(
            [("tender_uid", ASCENDING), ("revision", ASCENDING), ("enterprise_id", ASCENDING)],
            unique=True,
            name="match_unique",
        )
        await self._enterprises.create_index([("updated_at", ASCENDING)], name="updated_at")

    async def enterprises_changed_since(
        self, since: datetime | None
    ) -> tuple[list[Enterprise], datetime | None]:
        """Enterprises written at or after `since` (all when None), and the newest `updated_at`.

        `$gte`, not `$gt`: two writes in the same millisecond must not hide one another; seeing
        an enterprise twice is harmless."""
        query = {} if since is None else {"updated_at": {"$gte": since}}
        enterprises: list[Enterprise] = []
        newest = since
        async for document in self._enterprises.find(query):
            stamp = document.get("updated_at")
            if stamp is not None and (newest is None or stamp > newest):
                newest = stamp
            try:
                enterprises.append(Enterprise.from_document(document))
            except ValueError as exc:
                # One bad record must not stop matching for everyone else; it is logged by id.
                log.error(
                    "enterprise_unreadable", enterprise_id=document.get("_id"), error=str(exc)[:300]
                )
        return enterprises, newest

    async def earlier_matches(self, tender_uid: str, revision: int) -> dict[str, str]:
        """Enterprise id → profile id, for the matches of earlier revisions of this tender."""
        cursor = self._matches.find(
            {"tender_uid": tender_uid, "revision": {"$lt": revision}, "kind": {"$ne": "cancelled"}},
            {"enterprise_id": 1, "profile_id": 1},
        )
        return {doc["enterprise_id"]: doc["profile_id"] async for doc in cursor}

    async def record(self, match: MatchEvent) -> None:
        """Idempotent: a second record of the same match changes nothing."""
        document = {
            "tender_uid": match.tender.uid,
            "revision": match.tender.revision,
            "enterprise_id": match.enterprise_id,
            "profile_id": match.profile_id,
            "kind": match.kind.value,
            "score": match.score,
            "reasons": [reason.model_dump() for reason in match.reasons],
            "event_id": str(match.event_id),
            "matched_at": datetime.now(UTC),
        }
        await self._matches.update_one(
            {"_id": match.match_id}, {"$setOnInsert": document}, upsert=True
        )
