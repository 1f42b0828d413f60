"""The delivery record, typed: what the store reads back, in the notifier's one status vocabulary.

`RecordStatus` adds the two pending states of a record (`scheduled`, `held`) to the settled ones
of `DeliveryStatus` (the events' enum), with the same values, so the record and the event never
disagree on a word. The use cases build records (`Delivery.of_match`, `Delivery.digest`)
and read them back typed; the store converts at its edge (`to_document`, `from_document`), so
no use case writes or indexes a MongoDB document. Pure: no I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from shared.events import Channel, DeliveryStatus, MatchEvent, MatchKind
from shared.kafka.coordinates import Coordinates

__all__ = ["Delivery", "DeliveryType", "OutboxState", "Outcome", "RecordStatus", "settled"]


class RecordStatus(StrEnum):
    """Where a record stands: pending (`scheduled`, `held`) or settled (the event's statuses)."""

    SCHEDULED = "scheduled"
    HELD = "held"
    SENT = DeliveryStatus.SENT.value
    SUPPRESSED = DeliveryStatus.SUPPRESSED.value
    FAILED = DeliveryStatus.FAILED.value


def settled(status: DeliveryStatus) -> RecordStatus:
    """The record status of an outcome (a deferral is not one: it stays `scheduled`)."""
    return RecordStatus(status.value)


class OutboxState(StrEnum):
    """An outbox entry's state: waiting for its due time, or leased to a sender."""

    SCHEDULED = "scheduled"
    SENDING = "sending"


class DeliveryType(StrEnum):
    ALERT = "alert"
    DIGEST = "digest"
    REMINDER = "reminder"


@dataclass(frozen=True)
class Outcome:
    """How one delivery settled."""

    key: str
    status: DeliveryStatus
    detail: str = ""
    attempts: int | None = None


@dataclass(frozen=True)
class Delivery:
    """One record of `deliveries`: an alert, a reminder, a digest or an item held for one."""

    key: str
    status: RecordStatus
    enterprise_id: str
    channel: Channel | None
    attempts: int
    due_at: datetime
    type: DeliveryType | None = None
    match_id: str = ""
    profile_id: str | None = None
    tender_uid: str = ""
    revision: int = 0
    match_kind: MatchKind | None = None
    match_json: str | None = None
    """The match event as consumed (JSON); None for a digest."""
    digest_key: str | None = None
    items: tuple[str, ...] = ()
    source: Coordinates | None = None
    """Where the match was read (for its dead letter); None for a digest."""
    lease: int = 0
    """The number of the lease this sender holds (its fencing token); 0 when not leased."""

    @classmethod
    def of_match(
        cls,
        key: str,
        match: MatchEvent,
        channel: Channel,
        source: Coordinates,
        due_at: datetime,
        type: DeliveryType = DeliveryType.ALERT,
    ) -> Delivery:
        """A new record of a match to deliver on `channel`, scheduled for `due_at`."""
        return cls(
            key=key,
            status=RecordStatus.SCHEDULED,
            enterprise_id=match.enterprise_id,
            channel=channel,
            attempts=0,
            due_at=due_at,
            type=type,
            match_id=match.match_id,
            profile_id=match.profile_id,
            tender_uid=match.tender.uid,
            revision=match.tender.revision,
            match_kind=match.kind,
            match_json=match.model_dump_json(),
            source=source,
        )

    @classmethod
    def digest(cls, key: str, enterprise_id: str, channel: Channel, due_at: datetime) -> Delivery:
        """A new digest record, scheduled for `due_at`; the store adds its items."""
        return cls(
            key=key,
            status=RecordStatus.SCHEDULED,
            enterprise_id=enterprise_id,
            channel=channel,
            attempts=0,
            due_at=due_at,
            type=DeliveryType.DIGEST,
        )

    @property
    def is_digest(self) -> bool:
        return self.type == DeliveryType.DIGEST

    def match(self) -> MatchEvent | None:
        """The match event, parsed (None for a digest)."""
        if self.match_json is None:
            return None
        return MatchEvent.model_validate_json(self.match_json)

    def to_document(self) -> dict[str, Any]:
        """The record as MongoDB holds it (the store's writes; `from_document` reads it)."""
        document: dict[str, Any] = {
            "_id": self.key,
            "status": self.status.value,
            "enterprise_id": self.enterprise_id,
            "attempts": self.attempts,
            "due_at": self.due_at,
        }
        if self.channel is not None:
            document["channel"] = self.channel.value
        if self.type is not None:
            document["type"] = self.type.value
        if self.match_json is not None:
            document.update(
                match_id=self.match_id,
                profile_id=self.profile_id,
                tender_uid=self.tender_uid,
                revision=self.revision,
                match=self.match_json,
            )
        if self.match_kind is not None:
            document["kind"] = self.match_kind.value
        if self.digest_key is not None:
            document["digest_key"] = self.digest_key
        if self.source is not None:
            document["source"] = self.source.fields()
        if self.is_digest:
            document["items"] = list(self.items)
        return document

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> Delivery:
        channel = document.get("channel")
        kind = document.get("type")
        match_kind = document.get("kind")
        return cls(
            key=str(document["_id"]),
            status=RecordStatus(document.get("status", RecordStatus.SCHEDULED)),
            enterprise_id=str(document.get("enterprise_id", "")),
            channel=Channel(channel) if channel is not None else None,
            attempts=int(document.get("attempts", 0)),
            type=DeliveryType(kind) if kind is not None else None,
            due_at=document["due_at"],
            match_id=str(document.get("match_id", "")),
            profile_id=document.get("profile_id"),
            tender_uid=str(document.get("tender_uid", "")),
            revision=int(document.get("revision", 0)),
            match_kind=MatchKind(match_kind) if match_kind is not None else None,
            match_json=document.get("match"),
            digest_key=document.get("digest_key"),
            items=tuple(str(item) for item in document.get("items", ())),
            source=Coordinates.from_fields(document.get("source") or {}),
            lease=int(document.get("lease", 0)),
        )
