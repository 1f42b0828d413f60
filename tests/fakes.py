"""In-memory stand-ins for fast unit tests; the real adapters are tested against the stack."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from ingest.publishers import Publisher
from ingest.registry import Stored
from ingest.revisions import Current, Decision, TenderStatus, Write, content_hash
from shared.events import TenderEvent, TenderEventKind

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
