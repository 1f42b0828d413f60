"""MongoDB adapter: the `tenders` collection holds each tender's current revision and history.

Writes are optimistic (conditional on the revision read), so two pushes of the same uid at once
cannot both win. The event of a write is noted with it (`pending`, rebuilt from the stored
tender), so an event that failed to publish is published by the next attempt. Once Kafka
acknowledged it, its id goes into `tender_events_published` (a small document each, inserted
many at once) rather than the tender being rewritten to clear the note: the MongoDB stand-in
rewrites a whole ~3 KB tender for the smallest `$set` (~1.4 ms of its CPU), and inserts a small
document for a tenth of that. An event is pending while its tender notes it and its id is not
there. The tender is stored once: its content and hash derive from it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from ingest.revisions import (
    Current,
    Decision,
    Stored,
    TenderStatus,
    Write,
    content_hash,
    content_of,
)
from shared.events import Tender, TenderEvent, TenderEventKind
from shared.mongo import Document, insert_new, retrying


def _fields(write: Write, now: datetime) -> Document:
    tender, event = write.event.tender, write.event
    cancelled = event.kind == TenderEventKind.CANCELLED
    status = TenderStatus.CANCELLED if cancelled else TenderStatus.OPEN
    return {
        "revision": write.decision.revision,
        "status": status.value,
        "content_hash": content_hash(write.content),
        "source_revision": write.source_revision,
        "tender": tender.model_dump(mode="json"),
        "buyer_id": tender.buyer.id,
        "pending_event_id": str(event.event_id),
        "pending": {
            "event_id": str(event.event_id),
            "occurred_at": event.occurred_at,
            "kind": event.kind.value,
            "changed_fields": list(event.changed_fields),
        },
        "updated_at": now,
    }


def _history_entry(write: Write, now: datetime) -> Document:
    return {
        "revision": write.decision.revision,
        "outcome": write.decision.outcome.value,
        "at": now,
        "changed_fields": list(write.decision.changed_fields),
        "publisher": write.publisher_id,
        "event_id": str(write.event.event_id),
    }


def _new_document(write: Write) -> Document:
    now = datetime.now(UTC)
    return {
        "_id": write.event.tender.uid,
        **_fields(write, now),
        "history": [_history_entry(write, now)],
    }


def _conditional_update(write: Write) -> tuple[Document, Document]:
    """Filter and update: served by the `_id` index, applied only if `expected` is current."""
    now = datetime.now(UTC)
    return (
        {"_id": write.event.tender.uid, "revision": write.expected},
        {"$set": _fields(write, now), "$push": {"history": _history_entry(write, now)}},
    )


def _stored(document: Document, published: set[str]) -> Stored:
    """The stored tender; its pending event unless `published` holds the event's id."""
    tender = Tender.model_validate(document["tender"])
    pending = document.get("pending")
    event = None
    if pending and pending["event_id"] not in published:
        event = TenderEvent(
            event_id=pending["event_id"],
            occurred_at=pending["occurred_at"],
            kind=pending["kind"],
            tender=tender,
            changed_fields=pending["changed_fields"],
        )
    return Stored(
        current=Current(
            document["revision"],
            TenderStatus(document["status"]),
            content_of(tender),
            document["content_hash"],
            document.get("source_revision", 0),
        ),
        tender=tender,
        pending_event=event,
        updated_at=document["updated_at"],
        history=list(document.get("history", [])),
    )


class TenderRegistry:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._tenders = db["tenders"]
        self._published = db["tender_events_published"]

    async def ensure_indexes(self) -> None:
        await self._tenders.create_index([("buyer_id", ASCENDING)], name="buyer")

    async def get(self, uid: str) -> Stored | None:
        document = await retrying(lambda: self._tenders.find_one({"_id": uid}))
        return (await self._stored_all([document]))[0] if document else None

    async def get_many(self, uids: list[str]) -> dict[str, Stored]:
        """The stored tenders among `uids`, by uid: two queries served by the `_id` index."""
        documents = await retrying(lambda: self._tenders.find({"_id": {"$in": uids}}).to_list())
        return {stored.tender.uid: stored for stored in await self._stored_all(documents)}

    async def _stored_all(self, documents: list[Document]) -> list[Stored]:
        """The documents' tenders, each with its pending event unless it is known published."""
        noted = [document["pending_event_id"] for document in documents if document.get("pending")]
        published: set[str] = set()
        if noted:
            found = await retrying(
                lambda: self._published.find({"_id": {"$in": noted}}, {"_id": 1}).to_list()
            )
            published = {entry["_id"] for entry in found}
        return [_stored(document, published) for document in documents]

    async def insert_or_get(self, write: Write) -> Stored | None:
        """Insert a new tender's first revision unless its uid is stored, in one round trip:
        None if inserted, else the stored tender, left as it was (`$setOnInsert` changes
        nothing on a match)."""
        document = _new_document(write)
        uid = document.pop("_id")
        try:
            before = await retrying(
                lambda: self._tenders.find_one_and_update(
                    {"_id": uid},
                    {"$setOnInsert": document},
                    upsert=True,
                    return_document=ReturnDocument.BEFORE,
                )
            )
        except DuplicateKeyError:  # another writer inserted it between the match and the insert
            return await self.insert_or_get(write)  # matches theirs now
        return (await self._stored_all([before]))[0] if before is not None else None

    async def save(
        self,
        expected: int | None,
        event: TenderEvent,
        decision: Decision,
        content: dict[str, Any],
        publisher_id: str,
        source_revision: int,
    ) -> bool:
        """Write the new revision if nobody wrote since `expected` was read; False otherwise."""
        write = Write(expected, event, decision, content, publisher_id, source_revision)
        if expected is None:
            try:
                await retrying(lambda: self._tenders.insert_one(_new_document(write)))
            except DuplicateKeyError:
                return False
            return True
        result = await retrying(lambda: self._tenders.update_one(*_conditional_update(write)))
        return result.modified_count == 1

    async def save_many(self, writes: list[Write]) -> set[str]:
        """Each write as `save` would do it, in two round trips (inserts, conditional updates);
        the uids written. A write that lost a race is left out, for the caller to retry."""
        inserts = [write for write in writes if write.expected is None]
        updates = [write for write in writes if write.expected is not None]
        written: set[str] = set()
        if inserts:
            written |= await self._insert_many(inserts)
        if updates:
            requests = [UpdateOne(*_conditional_update(write)) for write in updates]
            result = await retrying(lambda: self._tenders.bulk_write(requests, ordered=False))
            uids = [write.event.tender.uid for write in updates]
            if result.modified_count == len(updates):
                written.update(uids)
            else:  # some lost a race: find ours by the event id each history entry carries
                written |= await self._written_by(updates)
        return written

    async def _insert_many(self, inserts: list[Write]) -> set[str]:
        documents = [_new_document(write) for write in inserts]
        taken = await insert_new(self._tenders, documents)
        return {write.event.tender.uid for write in inserts} - taken

    async def _written_by(self, writes: list[Write]) -> set[str]:
        ours = {write.event.tender.uid: str(write.event.event_id) for write in writes}
        documents = await retrying(
            lambda: self._tenders.find({"_id": {"$in": list(ours)}}, {"history": 1}).to_list()
        )
        return {
            document["_id"]
            for document in documents
            if any(entry.get("event_id") == ours[document["_id"]] for entry in document["history"])
        }

    async def clear_pending(self, uid: str, event: TenderEvent) -> None:
        await self.clear_pending_many([event])

    async def clear_pending_many(self, events: list[TenderEvent]) -> None:
        """Note these events published, in one round trip: a tender's note of one of them no
        longer makes it pending (event ids are unique, so it can only be its own)."""
        await insert_new(self._published, [{"_id": str(event.event_id)} for event in events])
