"""What the notifier's use cases need from the world, as protocols: the stores, publishing,
dead-lettering, the channels, the dispatcher and the settler.

`Notifier` and `Deliverer` (service.py) depend on these alone; the MongoDB store, the Kafka
publisher and dead-letter, the SMTP and SMS channels are the adapters behind them, wired in
`bootstrap.py`, and the unit tests run the same use cases against in-memory fakes. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from notifier.delivery import Delivery, Outcome, RecordStatus
from shared.enterprises import AlertProfile, Enterprise, Preferences
from shared.events import Channel, DeliveryEvent, MatchEvent
from shared.interest import Answer, DeclineReason

__all__ = [
    "ChannelSender",
    "DeadLetter",
    "Dispatch",
    "IntakeStore",
    "InterestRepository",
    "OutcomeStore",
    "PreferenceRepository",
    "ProfileRepository",
    "Publish",
    "SendingStore",
    "Settle",
    "TenderSummary",
]

Publish = Callable[[DeliveryEvent], Awaitable[None]]
"""Publishes a delivery outcome to `vigie.deliveries.v1`."""

DeadLetter = Callable[[Delivery, str], Awaitable[None]]
"""Sends a failed delivery (its record) and the error to the dead-letter topic."""


class ChannelSender(Protocol):
    """A medium a message goes out on; raises the errors of `notifier.delivery_errors`."""

    channel: Channel

    def contact(self, enterprise: Enterprise) -> str | None: ...

    async def send_alert(
        self, enterprise: Enterprise, match: MatchEvent, key: str, *, reminder: bool = False
    ) -> None: ...

    async def send_digest(
        self, enterprise: Enterprise, matches: list[MatchEvent], key: str
    ) -> None: ...


class IntakeStore(Protocol):
    """What recording a match needs: its enterprises, the held items, digests and reminders."""

    async def enterprises(self, enterprise_ids: list[str]) -> dict[str, Enterprise]: ...

    async def hold(self, item: Delivery, now: datetime) -> bool: ...

    async def add_to_digest(self, digest: Delivery, item: str, now: datetime) -> None: ...

    async def record(self, key: str) -> Delivery | None: ...

    async def repair(self, delivery: Delivery) -> None: ...

    async def replay(self, key: str, now: datetime) -> None: ...

    async def schedule_reminder(self, reminder: Delivery, now: datetime) -> None: ...

    async def cancel_reminders(self, keys: list[str], now: datetime, reason: str) -> None: ...


class SendingStore(Protocol):
    """What sending needs: leases, the enterprise as it is now, rescheduling and settling."""

    async def enterprise(self, enterprise_id: str) -> Enterprise | None: ...

    async def claim_many_leased(
        self, claims: list[Delivery], now: datetime, lease_seconds: float
    ) -> dict[str, Delivery]: ...

    async def lease(self, key: str, now: datetime, seconds: float) -> Delivery | None: ...

    async def holds(self, key: str, lease: int, now: datetime, margin_seconds: float) -> bool: ...

    async def release(self, key: str, lease: int, now: datetime) -> None: ...

    async def reschedule(
        self, key: str, due_at: datetime, now: datetime, attempts: int, **fields: Any
    ) -> None: ...

    async def settle(
        self,
        key: str,
        status: RecordStatus,
        now: datetime,
        detail: str = "",
        attempts: int | None = None,
    ) -> None: ...

    async def items(self, keys: list[str]) -> list[Delivery]: ...

    async def settle_items(
        self, keys: list[str], status: RecordStatus, now: datetime, detail: str
    ) -> None: ...


class OutcomeStore(Protocol):
    """Records many outcomes together (the settler's writes)."""

    async def settle_many(self, outcomes: list[Outcome], now: datetime) -> None: ...


class Settle(Protocol):
    """Records an outcome and publishes its event; returns once both are durable."""

    async def settle(self, outcome: Outcome, event: DeliveryEvent | None) -> None: ...


class Dispatch(Protocol):
    """Runs sends: one already leased at once, or whatever the outbox has due when woken."""

    async def submit(self, key: str, run: Callable[[], Awaitable[None]]) -> None: ...

    def wake(self) -> None: ...


class ProfileRepository(Protocol):
    """What the profile editor needs from storage (`PreferenceStore` in production, which
    announces every write to the matchers)."""

    async def enterprise(self, enterprise_id: str) -> Enterprise | None: ...

    async def save_preferences(
        self,
        enterprise_id: str,
        preferences: Preferences,
        profiles: list[AlertProfile],
        at: datetime,
    ) -> None: ...


class PreferenceRepository(ProfileRepository, Protocol):
    """What the preference centre's pages need from storage (`PreferenceStore` in production):
    the profiles, and each channel's consent."""

    async def set_consent(
        self, enterprise_id: str, channel: Channel, granted: bool, source: str, at: datetime
    ) -> None: ...


@dataclass(frozen=True)
class TenderSummary:
    """The tender an answer link points at, as its pages show it."""

    uid: str
    title: str
    buyer: str
    documents_url: str | None


class InterestRepository(Protocol):
    """The answers to alerts and the tenders they are about (`InterestStore` in production)."""

    async def tender(self, uid: str) -> TenderSummary | None: ...

    async def answer(
        self,
        tender_uid: str,
        enterprise_id: str,
        answer: Answer,
        reason: DeclineReason | None,
        at: datetime,
    ) -> None: ...

    async def documents_opened(self, tender_uid: str, enterprise_id: str, at: datetime) -> None: ...

    async def record(self, tender_uid: str, enterprise_id: str) -> dict[str, Any] | None: ...
