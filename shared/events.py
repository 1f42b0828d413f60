"""Event contracts of the Kafka topics, versioned by topic name.

A breaking change is a new topic (`.v2`), never an in-place edit of these models.
Every event carries `event_id`, `occurred_at` and the ids that make its effect idempotent.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    computed_field,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from shared.clock import utc_now

TENDERS_TOPIC = "vigie.tenders.v1"
MATCHES_TOPIC = "vigie.matches.v1"
DELIVERIES_TOPIC = "vigie.deliveries.v1"
ENTERPRISES_TOPIC = "vigie.enterprises.v1"

ShortText = Annotated[str, Field(min_length=1, max_length=500)]
LongText = Annotated[str, Field(max_length=20_000)]
SourceName = Annotated[str, Field(min_length=2, max_length=40, pattern=r"^[a-z][a-z0-9-]*$")]
SourceId = Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[^\s#]+$")]
TerritoryCode = Annotated[str, Field(min_length=2, max_length=40, pattern=r"^[A-Z0-9-]+$")]

# Control characters (C0, DEL, C1: NUL, the ESC of terminal escape sequences...) and lone
# surrogates have no place in a notice; long texts (descriptions) may keep tabs and newlines.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
CONTROL_CHARACTERS_IN_LONG_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def text_problem(value: str, *, multiline: bool) -> str | None:
    """What makes `value` unfit as a notice's text, said with what is expected; None if fit.

    The contract leaves text free for its readers; the publishers' API refuses what this
    finds, and the feed adapters drop the offending characters."""
    pattern = CONTROL_CHARACTERS_IN_LONG_TEXT if multiline else CONTROL_CHARACTERS
    found = pattern.search(value)
    if found is None:
        return None
    expected = (
        "printable text (tabs and line breaks allowed)"
        if multiline
        else "printable text on one line"
    )
    return (
        f"control character U+{ord(found.group()):04X} at position {found.start()}: "
        f"expected {expected}, without control characters or escape sequences"
    )


# ISO 639-1: the two-letter codes of the languages a notice can be written in.
_ISO_639_1_CODES = (
    "aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy "
    "da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht "
    "hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky "
    "la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny "
    "oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss "
    "st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo "
    "za zh zu"
)
ISO_639_1 = frozenset(_ISO_639_1_CODES.split())


def _iso_639_1(value: str) -> str:
    if value not in ISO_639_1:
        raise PydanticCustomError(
            "language_code",
            "'{value}' is not an ISO 639-1 language code: expected two lower-case letters "
            "such as fr, en or es",
            {"value": value[:20]},
        )
    return value


LanguageCode = Annotated[str, AfterValidator(_iso_639_1)]


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]

_ISO_8601_WITH_OFFSET = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})$"
)


def _iso_8601_with_offset(value: object) -> object:
    """A notice's date-times are ISO 8601 strings with an offset (or aware `datetime` objects
    in Python): never a number of seconds, a date alone or a local time without its offset."""
    if isinstance(value, datetime) or (
        isinstance(value, str) and _ISO_8601_WITH_OFFSET.match(value)
    ):
        return value
    raise PydanticCustomError(
        "iso_datetime",
        "expected an ISO 8601 date-time string with a timezone offset, "
        "such as 2027-01-15T14:00:00-05:00 or 2027-01-15T19:00:00Z",
    )


# The date-times of a tender: strictly ISO 8601 with an offset on input, kept in UTC.
NoticeDatetime = Annotated[
    AwareDatetime, BeforeValidator(_iso_8601_with_offset), AfterValidator(_to_utc)
]


class Contract(BaseModel):
    """Base of every contract model: unknown fields are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class CodeScheme(StrEnum):
    UNSPSC = "UNSPSC"
    CPV = "CPV"
    GSIN = "GSIN"
    NAICS = "NAICS"


# The 45 divisions of the CPV 2008 main vocabulary (the first two digits of every code).
_CPV_DIVISIONS = (
    "03 09 14 15 16 18 19 22 24 30 31 32 33 34 35 37 38 39 41 42 43 44 45 48 50 51 55 60 63 64 "
    "65 66 70 71 72 73 75 76 77 79 80 85 90 92 98"
)
CPV_DIVISIONS = frozenset(_CPV_DIVISIONS.split())
# The sectors of NAICS (the first two digits of every code).
_NAICS_SECTORS = "11 21 22 23 31 32 33 42 44 45 48 49 51 52 53 54 55 56 61 62 71 72 81 92"
NAICS_SECTORS = frozenset(_NAICS_SECTORS.split())
_CPV = re.compile(r"^([0-9]{8})(?:-([0-9]))?$")
_GSIN = re.compile(r"^[0-9A-Z]{2,20}$")


def code_problem(scheme: CodeScheme, code: str) -> str | None:
    """What makes `code` impossible in `scheme`, said with what is expected; None if it can
    exist. The contract stays lenient (readers accept any code of the model's pattern); the
    publishers' API and the feed adapters refuse or drop a code this finds fault with.

    - CPV: 8 digits in one of the 45 divisions, optionally a dash and the check digit
      (`45000000-7`). The published check digits follow no formula (the CPV 2008 revision
      did not apply its documented one), so without the official list the digit is checked
      for its form only.
    - UNSPSC: 8 digits, two per level: segment (10 to 95), family, class, commodity (`00`
      for a level not given), optionally 2 more for the business function; a level under an
      empty one cannot exist (`76001500`).
    - NAICS: 2 to 6 digits in one of NAICS's sectors.
    - GSIN: 2 to 20 upper-case letters and digits.
    """
    if scheme is CodeScheme.CPV:
        found = _CPV.match(code)
        if not found:
            return "expected 8 digits, optionally a dash and the check digit, such as 45000000-7"
        if found.group(1)[:2] not in CPV_DIVISIONS:
            return f"no CPV division starts with {found.group(1)[:2]}: expected a CPV 2008 code"
        return None
    if scheme is CodeScheme.UNSPSC:
        if not code.isascii() or not code.isdigit():
            return "expected digits only (a UNSPSC code has no letters), such as 76111500"
        if len(code) not in (8, 10):
            return (
                f"{len(code)} digits: expected 8 (segment, family, class, commodity), "
                "or 10 with a business function, such as 76111500"
            )
        levels = [code[i : i + 2] for i in range(0, len(code), 2)]
        if not 10 <= int(levels[0]) <= 95:
            return f"no UNSPSC segment {levels[0]}: expected a segment from 10 to 95"
        if any(upper == "00" and lower != "00" for upper, lower in pairwise(levels[:4])):
            return "a level under an empty one (00) cannot exist: expected such as 76111500"
        return None
    if scheme is CodeScheme.NAICS:
        if not (code.isascii() and code.isdigit() and 2 <= len(code) <= 6):
            return "expected 2 to 6 digits, such as 561720"
        if code[:2] not in NAICS_SECTORS:
            return f"no NAICS sector {code[:2]}: expected a code such as 561720"
        return None
    if not _GSIN.match(code):
        return "expected 2 to 20 upper-case letters and digits, such as N7610A"
    return None


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
    language: LanguageCode
    buyer: Buyer
    place_of_performance: Annotated[list[TerritoryCode], Field(max_length=50)] = []
    classifications: Annotated[list[Classification], Field(max_length=100)] = []
    category: Category | None = None
    estimated_value: Money | None = None
    procurement_method: Annotated[str, Field(max_length=60)] | None = None
    reserved_for: Annotated[list[ReservedFor], Field(max_length=3)] = []
    social_clause: bool = False
    published_at: NoticeDatetime
    submission_deadline: NoticeDatetime
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
            raise ValueError(
                f"unknown IANA time zone {value[:64]!r}: expected a name such as "
                "America/Toronto or Europe/Paris"
            ) from exc
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
    occurred_at: UtcDatetime = Field(default_factory=utc_now)


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
    # When ingest accepted the tender revision matched (its tender event's `occurred_at`), for
    # the end-to-end latency. Optional, so events written before it was carried still read; a
    # reader older than this field refuses it (contracts forbid unknown fields): upgrade the
    # notifier before the matcher.
    tender_accepted_at: UtcDatetime | None = None

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
