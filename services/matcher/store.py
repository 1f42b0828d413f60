"""MongoDB adapter of the matcher: enterprises in, matches out (unique per revision).

Every hot-path access is by `_id`, so it costs the same with ten or a million documents stored,
on MongoDB and on the local stack's FerretDB (which serves nothing else from an index):
- enterprises are read all at once only for the catalogue's full reload, else by id;
- each match is its own document (`_id` = match id, the audit record with its reasons), and
  `tender_matches` keeps, under the tender uid, who was matched at which revision: the earlier
  matches of a batch of tenders are one `_id $in` read.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import structlog
from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from matcher.history import Entry, entries_by_tender
from shared.enterprises import Enterprise
from shared.events import MatchEvent
from shared.mongo import Document, insert_new, retrying

log = structlog.get_logger()
LOAD_PAGE = 1000  # enterprise documents a full load holds at once


def _enterprise(document: Document) -> Enterprise | None:
    try:
        return Enterprise.from_document(document)
    except ValueError as exc:
        # One bad record must not stop matching for everyone else; it is logged by id.
        log.error(
            "enterprise_unreadable",
            operation="read an enterprise profile",
            collection="enterprises",
            enterprise_id=document.get("_id"),
            error=str(exc)[:300],
            next="skipped: it matches nothing until its record is fixed",
        )
        return None


def _match_document(match: MatchEvent, now: datetime) -> Document:
    return {
        "_id": match.match_id,
        "tender_uid": match.tender.uid,
        "revision": match.tender.revision,
        "enterprise_id": match.enterprise_id,
        "profile_id": match.profile_id,
        "kind": match.kind.value,
        "score": match.score,
        "reasons": [reason.model_dump() for reason in match.reasons],
        "event_id": str(match.event_id),
        "matched_at": now,
    }


class MongoMatcherStore:
    """The MongoDB adapter of matcher.ports.MatcherStore."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._enterprises = db["enterprises"]
        self._matches = db["matches"]
        self._tender_matches = db["tender_matches"]

    async def ensure_indexes(self) -> None:
        """Nothing beyond `_id`: every read and write of the matcher is by key."""

    async def all_enterprises(self) -> list[Enterprise]:
        """Every enterprise: the catalogue's full load, at start and as a periodic safety net.
        Read page by page, each document turned into its model as it comes, so the raw
        documents of all enterprises are never held at once (they were half the matcher's peak
        memory)."""

        async def read() -> list[Enterprise]:
            cursor = self._enterprises.find({}, batch_size=LOAD_PAGE)
            return [e async for document in cursor if (e := _enterprise(document)) is not None]

        return await retrying(read)

    async def enterprises(self, ids: Sequence[str]) -> dict[str, Enterprise]:
        """The enterprises among `ids` that exist (and can be read), by id."""
        documents = await retrying(
            lambda: self._enterprises.find({"_id": {"$in": list(ids)}}).to_list()
        )
        found = (_enterprise(document) for document in documents)
        return {enterprise.id: enterprise for enterprise in found if enterprise is not None}

    async def match_history(self, tender_uids: Sequence[str]) -> dict[str, list[Entry]]:
        """Entries by tender uid, in one `_id $in` read."""
        uids = list(dict.fromkeys(tender_uids))
        documents = await retrying(
            lambda: self._tender_matches.find({"_id": {"$in": uids}}).to_list()
        )
        return {document["_id"]: list(document["entries"]) for document in documents}

    async def record(self, matches: Sequence[MatchEvent]) -> None:
        """Idempotent: recording the same matches again changes nothing. Two round trips
        whatever the batch: one insert of the match documents, one bulk of history updates
        (one per tender)."""
        if not matches:
            return
        now = datetime.now(UTC)
        await insert_new(self._matches, [_match_document(match, now) for match in matches])
        updates = [
            UpdateOne(
                {"_id": tender_uid},
                {"$addToSet": {"entries": {"$each": entries}}},
                upsert=True,
            )
            for tender_uid, entries in entries_by_tender(matches).items()
        ]
        await retrying(lambda: self._tender_matches.bulk_write(updates, ordered=False))
