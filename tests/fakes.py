"""In-memory stand-ins for fast unit tests; the real adapters are tested against the stack."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from ingest.publisher_scope import Publisher
from ingest.revisions import Current, Decision, Stored, TenderStatus, Write, content_hash
from matcher.history import Entry, earlier_of, entries_of
from shared.enterprises import Enterprise
from shared.events import MatchEvent, TenderEvent, TenderEventKind

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

    async def earlier_matches(self, tender_uid: str, revision: int) -> dict[str, str]:
        return earlier_of(self.entries.get(tender_uid, []), revision)

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
