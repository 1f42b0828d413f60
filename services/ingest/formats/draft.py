"""The common last step of every adapter: a draft of loose fields becomes a `Tender` or a reason.

Adapters fill a `Draft` with whatever their source gives (None where it gives nothing) and
note, in `problems`, why a field they looked for is unusable. `finish` then names the missing
required fields — with where they were looked for — instead of letting a validation error
surface, fits lists and texts to the model's limits (dropping the control characters it
refuses), flags the territory codes Vigie does not know and the codes missing from their
scheme's official list (`ingest.code_lists`), and turns any remaining validation
error into a `Rejected` with a readable reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog
from pydantic import ValidationError

from ingest.code_lists import unlisted_codes
from ingest.formats.normalise import one_line, printable, truncate, unique
from ingest.formats.outcomes import Parsed, Rejected
from shared.events import (
    Category,
    Classification,
    Lot,
    Money,
    ReservedFor,
    Tender,
    TenderEventKind,
)
from shared.territories import is_known

# The fields without which a tender cannot be announced (the model requires them).
REQUIRED = (
    "title",
    "language",
    "buyer_name",
    "published_at",
    "submission_deadline",
    "deadline_timezone",
)
_MODEL_NAMES = {"buyer_name": "buyer.name"}
log = structlog.get_logger()
TITLE_LIMIT = 500
DESCRIPTION_LIMIT = 20_000


@dataclass
class Draft:
    """A tender being assembled; every field optional until `finish` checks them."""

    source: str
    source_id: str
    ref: str
    revision: int = 1
    title: str | None = None
    description: str | None = None
    language: str | None = None
    buyer_name: str | None = None
    buyer_id: str | None = None
    buyer_territories: list[str] = field(default_factory=list)
    place_of_performance: list[str] = field(default_factory=list)
    classifications: list[Classification] = field(default_factory=list)
    category: Category | None = None
    estimated_value: Money | None = None
    procurement_method: str | None = None
    reserved_for: list[ReservedFor] = field(default_factory=list)
    social_clause: bool = False
    published_at: datetime | None = None
    submission_deadline: datetime | None = None
    deadline_timezone: str | None = None
    documents_url: str | None = None
    lots: list[Lot] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)


def make_lot(
    lot_id: str,
    title: str | None,
    description: str | None = None,
    classifications: Sequence[Classification] = (),
    estimated_value: Money | None = None,
) -> Lot | None:
    """A lot fitted to the model's limits; a lot without a title is called `Lot <id>`."""
    name = one_line(title) or f"Lot {lot_id}"
    try:
        return Lot(
            id=truncate(lot_id, 60),
            title=truncate(name, TITLE_LIMIT),
            description=truncate(printable(description), DESCRIPTION_LIMIT)
            if description
            else None,
            classifications=unique(classifications)[:50],
            estimated_value=estimated_value,
        )
    except ValidationError:
        return None


def _missing(draft: Draft, where: Mapping[str, str]) -> list[str]:
    reasons = []
    for name in REQUIRED:
        value = getattr(draft, name)
        if value is None or (isinstance(value, str) and one_line(value) is None):
            model_name = _MODEL_NAMES.get(name, name)
            detail = draft.problems.get(name) or (
                f"looked in {where[name]}" if name in where else "not given"
            )
            reasons.append(f"{model_name} ({detail})")
    return reasons


def _fields(draft: Draft) -> dict[str, Any]:
    """The draft as model input, texts and lists cut to the model's limits."""
    assert draft.title is not None
    assert draft.buyer_name is not None
    title, buyer_name = one_line(draft.title), one_line(draft.buyer_name)
    buyer_id = one_line(draft.buyer_id)
    description = printable(draft.description) if draft.description else None
    return {
        "source": draft.source,
        "source_id": draft.source_id,
        "revision": max(draft.revision, 1),
        "title": truncate(title, TITLE_LIMIT) if title else None,
        "description": truncate(description, DESCRIPTION_LIMIT) if description else None,
        "language": draft.language,
        "buyer": {
            "name": truncate(buyer_name, TITLE_LIMIT) if buyer_name else None,
            "id": truncate(buyer_id, 120) if buyer_id else None,
            "territories": unique(draft.buyer_territories)[:20],
        },
        "place_of_performance": unique(draft.place_of_performance)[:50],
        "classifications": unique(draft.classifications)[:100],
        "category": draft.category,
        "estimated_value": draft.estimated_value,
        "procurement_method": truncate(method, 60)
        if (method := one_line(draft.procurement_method))
        else None,
        "reserved_for": unique(draft.reserved_for)[:3],
        "social_clause": draft.social_clause,
        "published_at": draft.published_at,
        "submission_deadline": draft.submission_deadline,
        "deadline_timezone": draft.deadline_timezone,
        "documents_url": draft.documents_url,
        "lots": unique(draft.lots)[:200],
    }


def _summary(error: ValidationError) -> str:
    parts = []
    for item in error.errors()[:5]:
        location = ".".join(str(part) for part in item["loc"]) or "tender"
        parts.append(f"{location}: {item['msg']}")
    return "; ".join(parts)


def finish(
    draft: Draft,
    kind: TenderEventKind,
    where: Mapping[str, str],
    changed_fields: Sequence[str] = (),
) -> Parsed | Rejected:
    """A `Parsed` tender, or a `Rejected` naming each missing field and where it was sought."""
    missing = _missing(draft, where)
    if missing:
        return Rejected("missing required field(s): " + "; ".join(missing), draft.ref)
    try:
        tender = Tender.model_validate(_fields(draft))
    except ValidationError as error:
        return Rejected(f"not a valid tender: {_summary(error)}", draft.ref)
    notes = _unknown_territories(tender) + unlisted_codes(tender)
    if notes:
        log.info("notice_values_flagged", ref=draft.ref, notes=list(notes))
    return Parsed(kind, tender, tuple(unique(changed_fields)), notes)


def _unknown_territories(tender: Tender) -> tuple[str, ...]:
    """The flags of territory codes kept although the reference does not know them."""
    places = [
        *(("place_of_performance", code) for code in tender.place_of_performance),
        *(("buyer.territories", code) for code in tender.buyer.territories),
    ]
    return tuple(
        f"{where}: {code} is not a territory Vigie knows (kept as the notice gives it; "
        "only a profile naming that very code finds it)"
        for where, code in places
        if not is_known(code)
    )
