"""Revision decisions for a pushed notice. Pure: the same notice twice is `unchanged`, a changed
notice is `amended` with the changed fields named, and a cancelled tender stays cancelled."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from shared.events import Tender, TenderEvent

# Fields that identify or version a notice rather than describe it.
_NOT_CONTENT = {"source", "source_id", "revision", "uid"}


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    AMENDED = "amended"
    UNCHANGED = "unchanged"
    CANCELLED = "cancelled"


class TenderStatus(StrEnum):
    OPEN = "open"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Current:
    """What the registry holds of a tender."""

    revision: int
    status: TenderStatus
    content: dict[str, Any]
    content_hash: str
    # The highest revision number the source itself gave (OCDS release order, a publisher's
    # counter): a notice older than that is stale and changes nothing.
    source_revision: int = 0


@dataclass(frozen=True)
class Stored:
    """A tender as the registry holds it: its current revision, the tender itself, the event
    still to publish (None once Kafka acknowledged it) and its revision history."""

    current: Current
    tender: Tender
    pending_event: TenderEvent | None
    updated_at: datetime
    history: list[dict[str, Any]]


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    revision: int
    changed_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Write:
    """One revision to store with its event: new (`expected` None), or conditional on the
    revision that was read, so two writers of one tender cannot both win."""

    expected: int | None
    event: TenderEvent
    decision: Decision
    content: dict[str, Any]
    publisher_id: str
    source_revision: int


class CancelledTenderError(Exception):
    """A cancelled tender cannot be amended or published again under the same uid."""


def content_of(tender: Tender) -> dict[str, Any]:
    data = tender.model_dump(mode="json")
    return {key: value for key, value in data.items() if key not in _NOT_CONTENT}


def content_hash(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def changed_fields(old: dict[str, Any], new: dict[str, Any]) -> tuple[str, ...]:
    return tuple(sorted(key for key in old.keys() | new.keys() if old.get(key) != new.get(key)))


def decide_push(
    current: Current | None, content: dict[str, Any], source_revision: int = 0
) -> Decision:
    if current is None:
        return Decision(Outcome.ACCEPTED, 1)
    if current.status == TenderStatus.CANCELLED:
        raise CancelledTenderError("this tender was cancelled; publish a new notice under a new id")
    stale = source_revision < current.source_revision
    if stale or content_hash(content) == current.content_hash:
        return Decision(Outcome.UNCHANGED, current.revision)
    return Decision(Outcome.AMENDED, current.revision + 1, changed_fields(current.content, content))


def decide_cancel(current: Current) -> Decision:
    if current.status == TenderStatus.CANCELLED:
        return Decision(Outcome.UNCHANGED, current.revision)
    return Decision(Outcome.CANCELLED, current.revision + 1, ("status",))
