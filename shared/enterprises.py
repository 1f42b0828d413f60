"""The `enterprises` collection: identity, social-economy status, contacts, consent, profiles.

This model is the documented import format (docs/enterprises.md) and the shape stored in MongoDB,
with the enterprise id as `_id`.
"""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field, field_validator

from shared.events import Category, Channel, CodeScheme, TerritoryCode
from shared.languages import DEFAULT, SUPPORTED


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, use_enum_values=True)


class SocialEconomyKind(StrEnum):
    COOPERATIVE = "cooperative"
    NON_PROFIT = "non_profit"
    INSERTION = "insertion"
    SHELTERED_WORKSHOP = "sheltered_workshop"


class Verification(StrEnum):
    """Where an operator's check of the social-economy status stands. Only a verified enterprise
    is matched; one that signed itself up waits `pending` until an operator decides."""

    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


class SocialEconomyStatus(Strict):
    kind: SocialEconomyKind
    # An imported enterprise is vouched for by the operator who imports it (the default);
    # a sign-up starts `pending`.
    verification: Verification = Verification.VERIFIED
    # How the verification came: "import" (the operator who imported the record vouches for
    # it) or "review" (`vigie enterprises verify` after a sign-up).
    verified_via: Literal["import", "review"] | None = None
    verified_by: str | None = None
    verified_at: AwareDatetime | None = None
    rejected_by: str | None = None
    rejected_at: AwareDatetime | None = None
    rejection_reason: Annotated[str, Field(max_length=500)] | None = None


class Identifiers(Strict):
    neq: Annotated[str, Field(pattern=r"^\d{10}$")] | None = None
    siret: Annotated[str, Field(pattern=r"^\d{14}$")] | None = None


class Contacts(Strict):
    email: EmailStr | None = None
    phone: Annotated[str, Field(pattern=r"^\+[1-9]\d{6,14}$")] | None = None


class Consent(Strict):
    granted: bool
    at: AwareDatetime
    source: str


class CodePrefix(Strict):
    scheme: CodeScheme
    prefix: Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[0-9]+$")]


class Cadence(StrEnum):
    INSTANT = "instant"
    DAILY = "daily"
    WEEKLY = "weekly"


Keyword = Annotated[str, Field(min_length=2, max_length=80)]


class Keywords(Strict):
    """Words or phrases looked for in a notice's title, description and lot titles.

    `any`: one of them must appear; `all`: every one must; `none`: any of them vetoes."""

    any: Annotated[list[Keyword], Field(max_length=50)] = []
    all: Annotated[list[Keyword], Field(max_length=20)] = []
    none: Annotated[list[Keyword], Field(max_length=50)] = []


class ValueRange(Strict):
    """Estimated values the enterprise can take on, in one currency."""

    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    min: Annotated[Decimal, Field(ge=0)] | None = None
    max: Annotated[Decimal, Field(ge=0)] | None = None


class AlertProfile(Strict):
    id: Annotated[str, Field(min_length=1, max_length=60)]
    name: str = ""
    codes: list[CodePrefix] = []
    keywords: Keywords = Keywords()
    # Filters: a tender that does not say (no estimate, another currency, no category) passes.
    value_range: ValueRange | None = None
    categories: list[Category] = []
    reserved_only: bool = False
    territories: list[TerritoryCode] = []
    include_unknown_location: bool = False
    # None: every channel the enterprise consented to, and the enterprise's own cadence.
    channels: list[Channel] | None = None
    cadence: Cadence | None = None


LocalTime = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


class QuietHours(Strict):
    """Local times ("HH:MM", as BSON has no time of day) between which nothing is sent.

    `start` after `end` spans midnight: 21:00–07:00 is the night.
    """

    start: LocalTime
    end: LocalTime

    def window(self) -> tuple[time, time]:
        return time.fromisoformat(self.start), time.fromisoformat(self.end)


class Preferences(Strict):
    """How an enterprise wants its alerts; which channels it may get them on is its consent."""

    cadence: Cadence = Cadence.INSTANT
    digest_hour: Annotated[int, Field(ge=0, le=23)] = 8
    # ISO weekday of the weekly digest: 1 = Monday … 7 = Sunday.
    digest_weekday: Annotated[int, Field(ge=1, le=7)] = 1
    quiet_hours: QuietHours | None = None
    paused: bool = False
    # Days before a deadline to send a closing-soon reminder; None: no reminders.
    reminder_days: Annotated[int, Field(ge=1, le=30)] | None = None


class EnterpriseStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    CLOSED = "closed"


def stored_form(value: Any) -> Any:
    """A value as MongoDB stores it: amounts as decimal strings (BSON has no Python Decimal)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {key: stored_form(item) for key, item in value.items()}
    if isinstance(value, list):
        return [stored_form(item) for item in value]
    return value


class Enterprise(Strict):
    id: Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9:_-]+$")]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    identifiers: Identifiers = Identifiers()
    social_economy: SocialEconomyStatus
    contacts: Contacts
    # A language Vigie writes in (shared.languages); unknown: the same default as every fallback.
    language: Annotated[str, Field(pattern=f"^({'|'.join(SUPPORTED)})$")] = DEFAULT
    timezone: str = "America/Toronto"
    consent: dict[str, Consent] = {}
    # May a buyer see this enterprise's name and contact in the reach of a call the enterprise
    # declared interest in? Only that buyer, and only if granted; None: never asked.
    buyer_contact: Consent | None = None
    profiles: Annotated[list[AlertProfile], Field(min_length=1)]
    preferences: Preferences = Preferences()
    status: EnterpriseStatus = EnterpriseStatus.ACTIVE
    updated_at: datetime | None = None

    @field_validator("consent")
    @classmethod
    def _known_channels(cls, value: dict[str, Consent]) -> dict[str, Consent]:
        unknown = set(value) - {"email", "sms"}
        if unknown:
            raise ValueError(f"unknown consent channel(s): {sorted(unknown)}")
        return value

    def is_matchable(self) -> bool:
        """Active and verified by an operator: the only enterprises the matcher alerts."""
        return (
            self.status == EnterpriseStatus.ACTIVE
            and self.social_economy.verification == Verification.VERIFIED
        )

    def contactable_by_buyers(self) -> bool:
        return self.buyer_contact is not None and self.buyer_contact.granted

    def consents_to(self, channel: str) -> bool:
        consent = self.consent.get(channel)
        return consent is not None and consent.granted

    def profile(self, profile_id: str) -> AlertProfile | None:
        return next((p for p in self.profiles if p.id == profile_id), None)

    def to_document(self) -> dict[str, Any]:
        """The MongoDB document: amounts as decimal strings (BSON has no Python Decimal, and a
        string keeps the exact amount on MongoDB and FerretDB alike)."""
        document: dict[str, Any] = stored_form(self.model_dump(mode="python", exclude={"id"}))
        document["_id"] = self.id
        return document

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> Enterprise:
        fields = {key: value for key, value in document.items() if key != "_id"}
        return cls(id=document["_id"], **fields)
