"""The ingest use case: a notice in, at most one event per real change out."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import structlog

from ingest.pending_clears import PendingClears
from ingest.revisions import (
    CancelledTenderError,
    Decision,
    Outcome,
    Stored,
    Write,
    content_of,
    decide_cancel,
    decide_push,
)
from ingest.tender_producer import TenderPublisher
from shared.events import Tender, TenderEvent, TenderEventKind

log = structlog.get_logger()
MAX_WRITE_ATTEMPTS = 5
# Tenders written together by receive_all: one read, one write and one batch of Kafka sends.
BATCH = 250
# Batches in flight at once, so Kafka's acknowledgements overlap the next batch's MongoDB work.
BATCHES_IN_FLIGHT = 4
_KIND = {
    Outcome.ACCEPTED: TenderEventKind.PUBLISHED,
    Outcome.AMENDED: TenderEventKind.AMENDED,
    Outcome.CANCELLED: TenderEventKind.CANCELLED,
}


@dataclass(frozen=True)
class Receipt:
    uid: str
    revision: int
    outcome: Outcome
    changed_fields: tuple[str, ...] = ()

    @classmethod
    def of(cls, write: Write) -> Receipt:
        """The receipt of a write that was applied."""
        decision = write.decision
        return cls(
            write.event.tender.uid, decision.revision, decision.outcome, decision.changed_fields
        )


class TenderStore(Protocol):
    """What the intake needs of the tenders collection (see ingest.registry)."""

    async def get(self, uid: str) -> Stored | None: ...

    async def save(
        self,
        expected: int | None,
        event: TenderEvent,
        decision: Decision,
        content: dict[str, Any],
        publisher_id: str,
        source_revision: int,
    ) -> bool: ...

    async def clear_pending(self, uid: str, event: TenderEvent) -> None: ...

    async def get_many(self, uids: list[str]) -> dict[str, Stored]: ...

    async def save_many(self, writes: list[Write]) -> set[str]:
        """The uids whose write was applied; the others lost a race."""
        ...

    async def clear_pending_many(self, events: list[TenderEvent]) -> None: ...


@runtime_checkable
class InsertsOrReads(Protocol):
    """A store that can try a new tender's insert and read what is stored in one round trip."""

    async def insert_or_get(self, write: Write) -> Stored | None:
        """Insert the first revision of `write` (`expected` None) unless its uid is stored:
        None if inserted, else what is stored, left as it was."""
        ...


@dataclass(frozen=True)
class Notice:
    """A notice from a feed or a file: what it says happened, and the tender."""

    kind: TenderEventKind
    tender: Tender


class UnknownTenderError(Exception):
    pass


class ConcurrentUpdateError(Exception):
    """Other writers kept changing this tender while we tried to write it."""


class TenderIntake:
    def __init__(self, registry: TenderStore, publisher: TenderPublisher) -> None:
        self._registry = registry
        self._publisher = publisher
        self._clears = PendingClears(registry)

    async def close(self) -> None:
        """Clear the pending markers still queued (see `ingest.pending_clears`)."""
        await self._clears.drain()

    async def current(self, uid: str) -> Stored | None:
        return await self._registry.get(uid)

    async def submit(self, tender: Tender, publisher_id: str) -> Receipt:
        """Push a tender. A store that can (`InsertsOrReads`) inserts a new tender or hands back
        the stored one in a single round trip; the loop below reads first."""
        if isinstance(self._registry, InsertsOrReads):
            receipt = await self._insert_or_decide(self._registry, tender, publisher_id)
            if receipt is not None:
                return receipt
        for _ in range(MAX_WRITE_ATTEMPTS):
            stored = await self._settled(tender.uid)
            prepared = self._prepare(tender, stored, publisher_id)
            if isinstance(prepared, Receipt):
                return prepared
            if await self._apply(prepared):
                return Receipt.of(prepared)
        raise ConcurrentUpdateError(tender.uid)

    async def _insert_or_decide(
        self, store: InsertsOrReads, tender: Tender, publisher_id: str
    ) -> Receipt | None:
        """A push's first attempt: the tender inserted if new, else decided on against what is
        stored; None if another writer changed it meanwhile (the caller reads and tries again)."""
        content = content_of(tender)
        decision = decide_push(None, content, tender.revision)
        first = _write_of(None, tender, decision, content, publisher_id, tender.revision)
        stored = await store.insert_or_get(first)
        if stored is None:
            await self._announce(first.event)
            return Receipt.of(first)
        prepared = self._prepare(tender, await self._left_published(stored), publisher_id)
        if isinstance(prepared, Receipt):
            return prepared
        return Receipt.of(prepared) if await self._apply(prepared) else None

    async def cancel(self, uid: str, publisher_id: str) -> Receipt:
        for _ in range(MAX_WRITE_ATTEMPTS):
            stored = await self._settled(uid)
            if stored is None:
                raise UnknownTenderError(uid)
            decision = decide_cancel(stored.current)
            if decision.outcome == Outcome.UNCHANGED:
                return Receipt(uid, decision.revision, decision.outcome)
            current = stored.current
            write = _write_of(
                stored,
                stored.tender,
                decision,
                current.content,
                publisher_id,
                current.source_revision,
            )
            if await self._apply(write):
                return Receipt.of(write)
        raise ConcurrentUpdateError(uid)

    async def receive(self, kind: TenderEventKind, tender: Tender, publisher_id: str) -> Receipt:
        """A notice from a feed: published and amended notices are pushes (the registry decides
        what changed); a cancellation of a tender never seen is recorded as cancelled at once,
        so a late copy of the original cannot alert anyone."""
        if kind != TenderEventKind.CANCELLED:
            return await self.submit(tender, publisher_id)
        for _ in range(MAX_WRITE_ATTEMPTS):
            stored = await self._settled(tender.uid)
            if stored is not None:
                return await self.cancel(tender.uid, publisher_id)
            decision = Decision(Outcome.CANCELLED, 1, ("status",))
            write = _write_of(
                None, tender, decision, content_of(tender), publisher_id, tender.revision
            )
            if await self._apply(write):
                return Receipt.of(write)
        raise ConcurrentUpdateError(tender.uid)

    async def receive_all(
        self, notices: list[Notice], publisher_id: str
    ) -> list[Receipt | CancelledTenderError]:
        """`receive` for any notices, a result for each in their order. Different tenders go in
        batches (`receive_many`), several batches at once; the notices of one tender go in
        successive rounds of its batch, so they take effect in the order given."""
        chains: dict[str, list[int]] = {}
        for position, notice in enumerate(notices):
            chains.setdefault(notice.tender.uid, []).append(position)
        ordered = list(chains.values())
        results: list[Receipt | CancelledTenderError | None] = [None] * len(notices)
        gate = asyncio.Semaphore(BATCHES_IN_FLIGHT)

        async def rounds(batch: list[list[int]]) -> None:
            async with gate:
                for depth in range(max(len(chain) for chain in batch)):
                    positions = [chain[depth] for chain in batch if depth < len(chain)]
                    received = await self.receive_many(
                        [notices[p] for p in positions], publisher_id
                    )
                    for position, result in zip(positions, received, strict=True):
                        results[position] = result

        batches = [ordered[start : start + BATCH] for start in range(0, len(ordered), BATCH)]
        await asyncio.gather(*(rounds(batch) for batch in batches))
        return [result for result in results if result is not None]

    async def receive_many(
        self, notices: list[Notice], publisher_id: str
    ) -> list[Receipt | CancelledTenderError]:
        """`receive` for notices of distinct tenders, in a few round trips for all of them: one
        read, one write per kind of write, one batch of Kafka sends, one update. What this fast
        path cannot settle (a cancellation, a write that lost a race) goes through `receive`."""
        if len({notice.tender.uid for notice in notices}) != len(notices):
            raise ValueError("receive_many takes at most one notice per tender")
        stored = await self._settled_many([notice.tender.uid for notice in notices])
        results: dict[int, Receipt | CancelledTenderError] = {}
        writes: dict[int, Write] = {}
        for index, notice in enumerate(notices):
            if notice.kind == TenderEventKind.CANCELLED:
                continue
            try:
                outcome = self._prepare(notice.tender, stored.get(notice.tender.uid), publisher_id)
            except CancelledTenderError as exc:
                results[index] = exc
                continue
            if isinstance(outcome, Receipt):
                results[index] = outcome
            else:
                writes[index] = outcome
        written = await self._registry.save_many(list(writes.values()))
        events = [write.event for write in writes.values() if write.event.tender.uid in written]
        await self._publisher.publish_many(events)
        await self._registry.clear_pending_many(events)
        for index, write in writes.items():
            if write.event.tender.uid in written:
                results[index] = Receipt.of(write)
        for index, notice in enumerate(notices):
            if index not in results:
                results[index] = await self._receive_one(notice, publisher_id)
        return [results[index] for index in range(len(notices))]

    async def _receive_one(
        self, notice: Notice, publisher_id: str
    ) -> Receipt | CancelledTenderError:
        try:
            return await self.receive(notice.kind, notice.tender, publisher_id)
        except CancelledTenderError as exc:
            return exc

    @staticmethod
    def _prepare(tender: Tender, stored: Stored | None, publisher_id: str) -> Receipt | Write:
        """What a push of this tender does to what is stored: nothing (a receipt) or a write."""
        content = content_of(tender)
        decision = decide_push(stored.current if stored else None, content, tender.revision)
        if decision.outcome == Outcome.UNCHANGED:
            return Receipt(tender.uid, decision.revision, decision.outcome)
        return _write_of(stored, tender, decision, content, publisher_id, tender.revision)

    async def _settled_many(self, uids: list[str]) -> dict[str, Stored]:
        """`_settled` for many tenders: events earlier attempts left unpublished go out first."""
        stored = await self._registry.get_many(uids)
        left = [
            item.pending_event
            for item in stored.values()
            if item.pending_event is not None and not self._clears.was_published(item.pending_event)
        ]
        if left:
            await self._publisher.publish_many(left)
            await self._registry.clear_pending_many(left)
        return stored

    async def _settled(self, uid: str) -> Stored | None:
        """The stored tender, after publishing any event an earlier attempt left unpublished."""
        stored = await self._registry.get(uid)
        return await self._left_published(stored) if stored is not None else None

    async def _left_published(self, stored: Stored) -> Stored:
        """Publish the event an earlier attempt left unpublished, if any (one acknowledged and
        waiting for its marker to be cleared is not published again)."""
        pending = stored.pending_event
        if pending is not None and not self._clears.was_published(pending):
            await self._publisher.publish(pending)
            await self._registry.clear_pending(stored.tender.uid, pending)
        return stored

    async def _apply(self, write: Write) -> bool:
        """Store the write, then publish its event; False if another writer won."""
        event = write.event
        args = (write.decision, write.content, write.publisher_id, write.source_revision)
        if not await self._registry.save(write.expected, event, *args):
            return False
        await self._announce(event)
        return True

    async def _announce(self, event: TenderEvent) -> None:
        """Publish the event of a write just stored; its pending marker is cleared soon after,
        off this path (`ingest.pending_clears`)."""
        await self._publisher.publish(event)
        self._clears.published(event)
        log.info(
            "tender_event_published",
            tender_uid=event.tender.uid,
            kind=event.kind.value,
            revision=event.tender.revision,
        )


def _write_of(
    stored: Stored | None,
    tender: Tender,
    decision: Decision,
    content: dict[str, Any],
    publisher_id: str,
    source_revision: int,
) -> Write:
    """The write of a decision about a tender: the tender at its new revision and its event,
    conditional on the revision that was read (none for a new tender)."""
    revised = tender.model_copy(update={"revision": decision.revision})
    event = TenderEvent(
        kind=_KIND[decision.outcome],
        tender=revised,
        changed_fields=list(decision.changed_fields),
    )
    expected = stored.current.revision if stored else None
    return Write(expected, event, decision, content, publisher_id, source_revision)
