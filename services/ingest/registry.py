"""MongoDB adapter: the `tenders` collection holds each tender's current revision and history.

Writes are optimistic (conditional on the revision read), so two pushes of the same uid at once
cannot both win. The event of a write is noted with it (`pending`, rebuilt from the stored
tender) and cleared once Kafka acknowledged it, so an event that failed to publish is published
by the next attempt. The tender is stored once: its content and hash derive from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from ingest.revisions import Current, Decision, TenderStatus, content_hash, content_of
from shared.events import Tender, TenderEvent, TenderEventKind
from shared.mongo import Document, retrying


@dataclass(frozen=True)
class Stored:
    current: Current
    tender: Tender
    pending_event: TenderEvent | None
    updated_at: datetime
    history: list[dict[str, Any]]


def _stored(document: Document) -> Stored:
    tender = Tender.model_validate(document["tender"])
    pending = document.get("pending")
    event = None
    if pending:
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

    async def ensure_indexes(self) -> None:
        await self._tenders.create_index([("buyer_id", ASCENDING)], name="buyer")

    async def get(self, uid: str) -> Stored | None:
        document = await retrying(lambda: self._tenders.find_one({"_id": uid}))
        return _stored(document) if document else None

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
        tender = event.tender
        now = datetime.now(UTC)
        entry = {
            "revision": decision.revision,
            "outcome": decision.outcome.value,
            "at": now,
            "changed_fields": list(decision.changed_fields),
            "publisher": publisher_id,
            "event_id": str(event.event_id),
        }
        status = (
            TenderStatus.CANCELLED if event.kind == TenderEventKind.CANCELLED else TenderStatus.OPEN
        )
        fields = {
            "revision": decision.revision,
            "status": status.value,
            "content_hash": content_hash(content),
            "source_revision": source_revision,
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
        if expected is None:
            document = {"_id": tender.uid, **fields, "history": [entry]}
            try:
                await retrying(lambda: self._tenders.insert_one(document))
            except DuplicateKeyError:
                return False
            return True
        result = await retrying(
            lambda: self._tenders.update_one(
                {"_id": tender.uid, "revision": expected},
                {"$set": fields, "$push": {"history": entry}},
            )
        )
        return result.modified_count == 1

    async def clear_pending(self, uid: str, event: TenderEvent) -> None:
        await retrying(
            lambda: self._tenders.update_one(
                {"_id": uid, "pending_event_id": str(event.event_id)},
                {"$set": {"pending_event_id": None, "pending": None}},
            )
        )
