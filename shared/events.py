"""Event contracts of the Kafka topics, versioned by topic name.

A breaking change is a new topic (`.v2`), never an in-place edit of these models.
Every event carries `event_id`, `occurred_at` and the ids that make its effect idempotent.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    computed_field,
    field_validator,
    model_validator,
)

TENDERS_TOPIC = "vigie.tenders.v1"
MATCHES_TOPIC = "vigie.matches.v1"
DELIVERIES_TOPIC = "vigie.deliveries.v1"
ENTERPRISES_TOPIC = "vigie.enterprises.v1"

ShortText = Annotated[str, Field(min_length=1, max_length=500)]
LongText = Annotated[str, Field(max_length=20_000)]
SourceName = Annotated[str, Field(min_length=2, max_length=40, pattern=r"^[a-z][a-z0-9-]*$")]
SourceId = Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[^\s#]+$")]
TerritoryCode = Annotated[str, Field(min_length=2, max_length=40, pattern=r"^[A-Z0-9-]+$")]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]


class Contract(BaseModel):
    """Base of every contract model: unknown fields are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class CodeScheme(StrEnum):
    UNSPSC = "UNSPSC"
    CPV = "CPV"
    GSIN = "GSIN"
    NAICS = "NAICS"


class Category(StrEnum):
    GOODS = "goods"
    SERVICES = "services"
    WORKS = "works"


class ReservedFor(StrEnum):
    SOCIAL_ECONOMY = "social_economy"
    SHELTERED = "sheltered"
    INSERTION = "insertion"


class Classification(Contract):
    scheme: CodeScheme
    code: Annotated[str, Field(min_length=2, max_length=20, pattern=r"^[0-9A-Za-z-]+$")]
    description: ShortText | None = None


class Money(Contract):
    amount: Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2)]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class Buyer(Contract):
    name: ShortText
    id: Annotated[str, Field(max_length=120)] | None = None
    territories: Annotated[list[TerritoryCode], Field(max_length=20)] = []


class Lot(Contract):
    id: Annotated[str, Field(min_length=1, max_length=60)]
    title: ShortText
    description: LongText | None = None
    classifications: Annotated[list[Classification], Field(max_length=50)] = []
    estimated_value: Money | None = None


class Tender(Contract):
    """The canonical tender every source is turned into."""

    source: SourceName
    source_id: SourceId
    revision: Annotated[int, Field(ge=1)] = 1
    title: ShortText
    description: LongText | None = None
    language: Annotated[str, Field(pattern=r"^[a-z]{2}$")]
    buyer: Buyer
    place_of_performance: Annotated[list[TerritoryCode], Field(max_length=50)] = []
    classifications: Annotated[list[Classification], Field(max_length=100)] = []
    category: Category | None = None
    estimated_value: Money | None = None
    procurement_method: Annotated[str, Field(max_length=60)] | None = None
    reserved_for: Annotated[list[ReservedFor], Field(max_length=3)] = []
    social_clause: bool = False
    published_at: UtcDatetime
    submission_deadline: UtcDatetime
    deadline_timezone: Annotated[str, Field(min_length=1, max_length=64)]
    documents_url: HttpUrl | None = None
    lots: Annotated[list[Lot], Field(max_length=200)] = []

    @model_validator(mode="before")
    @classmethod
    def _uid_is_derived(cls, data: Any) -> Any:
        """`uid` is written out for readers; on input it may be given only if it agrees."""
        if isinstance(data, dict) and "uid" in data:
            data = dict(data)
            given = data.pop("uid")
            expected = f"{data.get('source')}:{data.get('source_id')}"
            if given != expected:
                raise ValueError(f"uid {given!r} does not match source:source_id {expected!r}")
        return data

    @field_validator("deadline_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value

    @computed_field  # type: ignore[prop-decorator]
    @property
    def uid(self) -> str:
        return f"{self.source}:{self.source_id}"


class TenderEventKind(StrEnum):
    PUBLISHED = "published"
    AMENDED = "amended"
    CANCELLED = "cancelled"


class Event(Contract):
    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    occurred_at: UtcDatetime = Field(default_factory=_utc_now)


class TenderEvent(Event):
    """`vigie.tenders.v1`, keyed by tender uid."""

    kind: TenderEventKind
    tender: Tender
    changed_fields: list[str] = []

    @property
    def key(self) -> str:
        return self.tender.uid


class MatchKind(StrEnum):
    NEW = "new"
    AMENDED = "amended"
    CANCELLED = "cancelled"


class MatchReason(Contract):
    """Why a tender concerns an enterprise: a stable code for machines, a sentence for people."""

    code: str
    text: str


class MatchEvent(Event):
    """`vigie.matches.v1`, keyed by enterprise id: one per (tender uid, revision, enterprise)."""

    kind: MatchKind
    match_id: str
    enterprise_id: str
    profile_id: str
    score: Annotated[float, Field(ge=0, le=1)]
    reasons: list[MatchReason]
    language: str
    tender: Tender

    @property
    def key(self) -> str:
        return self.enterprise_id


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class DeliveryStatus(StrEnum):
    SENT = "sent"
    DEFERRED = "deferred"
    FAILED = "failed"
    SUPPRESSED = "suppressed"


class DeliveryEvent(Event):
    """`vigie.deliveries.v1`, keyed by enterprise id: the outcome of one message on one channel."""

    status: DeliveryStatus
    channel: Channel
    idempotency_key: str
    match_id: str
    enterprise_id: str
    tender_uid: str
    revision: int
    detail: str = ""

    @property
    def key(self) -> str:
        return self.enterprise_id


class EnterpriseChanged(Event):
    """`vigie.enterprises.v1`, keyed by enterprise id: this enterprise was written (created,
    changed, paused or deleted). The document in MongoDB `enterprises` is the truth; the event
    says where to look, so a reader always applies the enterprise as it is now."""

    enterprise_id: str = Field(min_length=1, max_length=120)

    @property
    def key(self) -> str:
        return self.enterprise_id


def match_id_for(tender_uid: str, revision: int, enterprise_id: str) -> str:
    """The idempotency id of a match: one per tender revision and enterprise."""
    return f"{tender_uid}#r{revision}#{enterprise_id}"
