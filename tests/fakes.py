"""In-memory stand-ins for fast unit tests; the real adapters are tested against the stack."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from ingest.publisher_scope import Publisher
from ingest.revisions import Current, Decision, Stored, TenderStatus, Write, content_hash
from matcher.history import Entry, entries_of
from notifier.delivery import Delivery, Outcome, RecordStatus, settled
from notifier.ports import TenderSummary
from shared.enterprises import AlertProfile, Consent, Enterprise, Preferences
from shared.events import Channel, DeliveryEvent, MatchEvent, TenderEvent, TenderEventKind
from shared.interest import Answer, DeclineReason, interest_id

TEST_KEY = "vk_0123456789ab_abcdefghijklmnopqrstuvwxyzABCDEF"
LONGUEUIL = Publisher(
    "longueuil", "Ville de Longueuil", frozenset({"ville-longueuil"}), frozenset({"longueuil"})
)


OCP_KEY = "vk_ba9876543210_abcdefghijklmnopqrstuvwxyzABCDEF"
OCP = Publisher(
    "ocp",
    "Open Contracting sample publisher",
    frozenset({"GB-LAC-E09000003"}),
    frozenset({"ocds-213czf"}),
)


async def authenticate(key: str) -> Publisher | None:
    return {TEST_KEY: LONGUEUIL, OCP_KEY: OCP}.get(key)


class RecordingPublisher:
    def __init__(self, fail: bool = False) -> None:
        self.events: list[TenderEvent] = []
        self.fail = fail

    async def publish(self, event: TenderEvent) -> None:
        if self.fail:
            raise ConnectionError("kafka unreachable")
        self.events.append(event)

    async def publish_many(self, events: list[TenderEvent]) -> None:
        for event in events:
            await self.publish(event)


class InMemoryTenders:
    def __init__(self) -> None:
        self.items: dict[str, Stored] = {}

    async def get(self, uid: str) -> Stored | None:
        return self.items.get(uid)

    async def save(
        self,
        expected: int | None,
        event: TenderEvent,
        decision: Decision,
        content: dict[str, Any],
        publisher_id: str,
        source_revision: int,
    ) -> bool:
        uid = event.tender.uid
        stored = self.items.get(uid)
        if (stored.current.revision if stored else None) != expected:
            return False
        status = (
            TenderStatus.CANCELLED if event.kind == TenderEventKind.CANCELLED else TenderStatus.OPEN
        )
        history = (stored.history if stored else []) + [
            {"revision": decision.revision, "outcome": decision.outcome.value}
        ]
        self.items[uid] = Stored(
            Current(decision.revision, status, content, content_hash(content), source_revision),
            event.tender,
            event,
            datetime.now(UTC),
            history,
        )
        return True

    async def clear_pending(self, uid: str, event: TenderEvent) -> None:
        stored = self.items[uid]
        if stored.pending_event == event:
            self.items[uid] = dataclasses.replace(stored, pending_event=None)

    async def get_many(self, uids: list[str]) -> dict[str, Stored]:
        return {uid: self.items[uid] for uid in uids if uid in self.items}

    async def save_many(self, writes: list[Write]) -> set[str]:
        written = set()
        for w in writes:
            args = (w.event, w.decision, w.content, w.publisher_id, w.source_revision)
            if await self.save(w.expected, *args):
                written.add(w.event.tender.uid)
        return written

    async def clear_pending_many(self, events: list[TenderEvent]) -> None:
        for event in events:
            await self.clear_pending(event.tender.uid, event)


class InMemoryMatcherStore:
    """matcher.ports.MatcherStore in memory. `during_full_read`, when set, runs after the full
    load has taken its snapshot and before it returns: what changes then, the load misses."""

    def __init__(self, enterprises: Iterable[Enterprise] = ()) -> None:
        self.enterprises_by_id = {e.id: e for e in enterprises}
        self.matches: dict[str, MatchEvent] = {}
        self.entries: dict[str, list[Entry]] = {}
        self.during_full_read: Callable[[], Awaitable[None]] | None = None

    def put(self, enterprise: Enterprise) -> None:
        self.enterprises_by_id[enterprise.id] = enterprise

    async def all_enterprises(self) -> list[Enterprise]:
        snapshot = list(self.enterprises_by_id.values())
        if self.during_full_read is not None:
            await self.during_full_read()
        return snapshot

    async def enterprises(self, ids: Sequence[str]) -> dict[str, Enterprise]:
        return {i: self.enterprises_by_id[i] for i in ids if i in self.enterprises_by_id}

    async def match_history(self, tender_uids: Sequence[str]) -> dict[str, list[Entry]]:
        return {uid: list(self.entries[uid]) for uid in tender_uids if uid in self.entries}

    async def record(self, matches: Sequence[MatchEvent]) -> None:
        for match in matches:
            self.matches.setdefault(match.match_id, match)
        for match, entry in zip(matches, entries_of(matches), strict=True):
            held = self.entries.setdefault(match.tender.uid, [])
            if entry not in held:
                held.append(entry)


class RecordingMatchPublisher:
    """matcher.ports.MatchPublisher that keeps each published batch; `fail` refuses them."""

    def __init__(self, fail: bool = False) -> None:
        self.batches: list[list[MatchEvent]] = []
        self.fail = fail

    async def publish(self, matches: Sequence[MatchEvent]) -> None:
        if self.fail:
            raise ConnectionError("kafka unreachable")
        self.batches.append(list(matches))

    @property
    def events(self) -> list[MatchEvent]:
        return [match for batch in self.batches for match in batch]


class AnnouncedChanges:
    """matcher.ports.EnterpriseChanges by hand: `announce` queues enterprise ids, `catch_up`
    applies them through `apply` (the matcher's apply_changes), or returns False when
    `behind` is set, applying nothing."""

    def __init__(self) -> None:
        self.apply: Callable[[list[str]], Awaitable[None]] | None = None
        self.pending: list[str] = []
        self.behind = False
        self.calls = 0

    def announce(self, *enterprise_ids: str) -> None:
        self.pending.extend(enterprise_ids)

    async def catch_up(self) -> bool:
        self.calls += 1
        if self.behind:
            return False
        ids, self.pending = self.pending, []
        if ids and self.apply is not None:
            await self.apply(ids)
        return True


class ManualClock:
    """A clock that moves only when told."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by


class InMemoryDeliveries:
    """The notifier's stores (`notifier.ports`) in memory: its records and outbox as plain dicts,
    read back through `Delivery.from_document` as the MongoDB store does."""

    def __init__(self, enterprises: Iterable[Enterprise] = ()) -> None:
        self.enterprise_items = {e.id: e for e in enterprises}
        self.records: dict[str, dict[str, Any]] = {}
        self.outbox: dict[str, dict[str, Any]] = {}
        self.released: list[tuple[str, int]] = []

    async def enterprise(self, enterprise_id: str) -> Enterprise | None:
        return self.enterprise_items.get(enterprise_id)

    async def enterprises(self, enterprise_ids: list[str]) -> dict[str, Enterprise]:
        found = self.enterprise_items
        return {i: found[i] for i in enterprise_ids if i in found}

    def _new(self, delivery: Delivery, now: datetime) -> bool:
        if delivery.key in self.records:
            return False
        document = {**delivery.to_document(), "created_at": now, "updated_at": now}
        self.records[delivery.key] = document
        return True

    async def claim_many_leased(
        self, claims: list[Delivery], now: datetime, lease_seconds: float
    ) -> dict[str, Delivery]:
        created: dict[str, Delivery] = {}
        for delivery in claims:
            key = delivery.key
            if self._new(delivery, now):
                until = now + timedelta(seconds=lease_seconds)
                entry = {"state": "sending", "ready_at": until, "attempts": 1, "lease": 1}
                self.outbox[key] = entry
                created[key] = Delivery.from_document(
                    {**self.records[key], "attempts": 1, "lease": 1}
                )
        return created

    async def hold(self, item: Delivery, now: datetime) -> bool:
        return self._new(item, now)

    async def add_to_digest(self, digest: Delivery, item: str, now: datetime) -> None:
        self._new(digest, now)
        items = self.records[digest.key]["items"]
        if item not in items:
            items.append(item)
        entry = {"state": "scheduled", "ready_at": digest.due_at, "attempts": 0}
        self.outbox.setdefault(digest.key, entry)

    async def record(self, key: str) -> Delivery | None:
        found = self.records.get(key)
        return Delivery.from_document(found) if found else None

    async def repair(self, delivery: Delivery) -> None:
        if delivery.status == "scheduled":
            entry = {"state": "scheduled", "ready_at": delivery.due_at, "attempts": 0}
            self.outbox.setdefault(delivery.key, entry)

    async def replay(self, key: str, now: datetime) -> None:
        self.records[key].update(status="scheduled", due_at=now, attempts=0, detail="replayed")
        self.outbox[key] = {"state": "scheduled", "ready_at": now, "attempts": 0}

    async def schedule_reminder(self, reminder: Delivery, now: datetime) -> None:
        key, due_at = reminder.key, reminder.due_at
        if self._new(reminder, now):
            self.outbox[key] = {"state": "scheduled", "ready_at": due_at, "attempts": 0}
        elif self.records[key]["status"] == "scheduled":
            self.records[key].update(due_at=due_at, match=reminder.match_json)
            if self.outbox.get(key, {}).get("state", "scheduled") == "scheduled":
                self.outbox.setdefault(key, {"state": "scheduled", "attempts": 0})
                self.outbox[key]["ready_at"] = due_at

    async def cancel_reminders(self, keys: list[str], now: datetime, reason: str) -> None:
        for key in keys:
            if key in self.records and self.records[key]["status"] == "scheduled":
                self.records[key].update(status="suppressed", detail=reason)
                if self.outbox.get(key, {}).get("state") == "scheduled":
                    del self.outbox[key]

    async def due(self, now: datetime, limit: int) -> list[str]:
        ready = sorted((e["ready_at"], k) for k, e in self.outbox.items() if e["ready_at"] <= now)
        return [key for _, key in ready[:limit]]

    async def lease(self, key: str, now: datetime, seconds: float) -> Delivery | None:
        entry = self.outbox.get(key)
        if entry is None or entry["ready_at"] > now:
            return None
        entry.update(
            state="sending",
            ready_at=now + timedelta(seconds=seconds),
            attempts=entry["attempts"] + 1,
            lease=entry.get("lease", 0) + 1,
        )
        record = self.records.get(key)
        if record is None or record["status"] != "scheduled":
            del self.outbox[key]
            return None
        return Delivery.from_document(
            {**record, "attempts": entry["attempts"], "lease": entry["lease"]}
        )

    async def holds(self, key: str, lease: int, now: datetime, margin_seconds: float) -> bool:
        entry = self.outbox.get(key)
        if entry is None or entry.get("lease", 0) != lease:
            return False
        return bool(entry["ready_at"] - now >= timedelta(seconds=margin_seconds))

    async def release(self, key: str, lease: int, now: datetime) -> None:
        self.released.append((key, lease))

    async def reschedule(
        self, key: str, due_at: datetime, now: datetime, attempts: int, **fields: Any
    ) -> None:
        self.records[key].update(due_at=due_at, attempts=attempts, updated_at=now, **fields)
        self.outbox[key] = {"state": "scheduled", "ready_at": due_at, "attempts": attempts}

    async def settle(
        self,
        key: str,
        status: RecordStatus,
        now: datetime,
        detail: str = "",
        attempts: int | None = None,
    ) -> None:
        self.records[key].update(status=str(status), detail=detail, updated_at=now)
        if attempts is not None:
            self.records[key]["attempts"] = attempts
        self.outbox.pop(key, None)

    async def settle_many(self, outcomes: list[Outcome], now: datetime) -> None:
        for outcome in outcomes:
            status = settled(outcome.status)
            await self.settle(outcome.key, status, now, outcome.detail, outcome.attempts)

    async def items(self, keys: list[str]) -> list[Delivery]:
        held = [self.records[k] for k in keys if self.records.get(k, {}).get("status") == "held"]
        return [Delivery.from_document(record) for record in held]

    async def settle_items(
        self, keys: list[str], status: RecordStatus, now: datetime, detail: str
    ) -> None:
        for key in keys:
            if self.records.get(key, {}).get("status") == "held":
                self.records[key].update(status=str(status), detail=detail, updated_at=now)


class ScriptedChannel:
    """A `ChannelSender` that records what it sends and raises the failures it is given, one per
    attempt, in order."""

    def __init__(self, channel: Channel, failures: Iterable[Exception] = ()) -> None:
        self.channel = channel
        self.failures = list(failures)
        self.sent: list[str] = []

    def contact(self, enterprise: Enterprise) -> str | None:
        if self.channel == Channel.EMAIL:
            return str(enterprise.contacts.email) if enterprise.contacts.email else None
        return enterprise.contacts.phone

    def _attempt(self, key: str) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(key)

    async def send_alert(
        self, enterprise: Enterprise, match: MatchEvent, key: str, *, reminder: bool = False
    ) -> None:
        self._attempt(key)

    async def send_digest(
        self, enterprise: Enterprise, matches: list[MatchEvent], key: str
    ) -> None:
        self._attempt(key)


class RecordingDeliveryEvents:
    """`notifier.ports.Publish` that keeps what was published."""

    def __init__(self) -> None:
        self.events: list[DeliveryEvent] = []

    async def __call__(self, event: DeliveryEvent) -> None:
        self.events.append(event)


class RecordingDeadLetters:
    """`notifier.ports.DeadLetter` that keeps the keys and errors dead-lettered."""

    def __init__(self) -> None:
        self.letters: list[tuple[str, str]] = []

    async def __call__(self, delivery: Delivery, error: str) -> None:
        self.letters.append((delivery.key, error))


class InlineDispatch:
    """`notifier.ports.Dispatch` that runs a submitted send at once; `wake` is counted."""

    def __init__(self) -> None:
        self.woken = 0

    async def submit(self, key: str, run: Callable[[], Awaitable[None]]) -> None:
        await run()

    def wake(self) -> None:
        self.woken += 1


class InMemoryPreferences:
    """The enterprises' preferences and consent (`notifier.ports.PreferenceRepository`)."""

    def __init__(self, *enterprises: Enterprise) -> None:
        self.items = {e.id: e for e in enterprises}
        self.consent_log: list[tuple[str, str, bool, str, datetime]] = []

    async def enterprise(self, enterprise_id: str) -> Enterprise | None:
        return self.items.get(enterprise_id)

    async def set_consent(
        self, enterprise_id: str, channel: Channel, granted: bool, source: str, at: datetime
    ) -> None:
        self.consent_log.append((enterprise_id, channel.value, granted, source, at))
        current = self.items[enterprise_id]
        consent = {**current.consent, channel.value: Consent(granted=granted, at=at, source=source)}
        self.items[enterprise_id] = current.model_copy(update={"consent": consent})

    async def save_preferences(
        self,
        enterprise_id: str,
        preferences: Preferences,
        profiles: list[AlertProfile],
        at: datetime,
    ) -> None:
        current = self.items[enterprise_id]
        update = {"preferences": preferences, "profiles": profiles}
        self.items[enterprise_id] = current.model_copy(update=update)


class InMemoryInterest:
    """Answers to alerts and the tenders they are about (`notifier.ports.InterestRepository`)."""

    def __init__(self, *tenders: TenderSummary) -> None:
        self.tenders = {t.uid: t for t in tenders}
        self.records: dict[str, dict[str, Any]] = {}

    async def tender(self, uid: str) -> TenderSummary | None:
        return self.tenders.get(uid)

    async def answer(
        self,
        tender_uid: str,
        enterprise_id: str,
        answer: Answer,
        reason: DeclineReason | None,
        at: datetime,
    ) -> None:
        record = self.records.setdefault(interest_id(tender_uid, enterprise_id), {})
        record.update(answer=answer.value, reason=reason.value if reason else None, answered_at=at)

    async def documents_opened(self, tender_uid: str, enterprise_id: str, at: datetime) -> None:
        record = self.records.setdefault(interest_id(tender_uid, enterprise_id), {})
        record.setdefault("documents_first_at", at)
        record["documents_last_at"] = at

    async def record(self, tender_uid: str, enterprise_id: str) -> dict[str, Any] | None:
        return self.records.get(interest_id(tender_uid, enterprise_id))
