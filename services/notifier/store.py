"""MongoDB adapter of the notifier: enterprises, the delivery record, and the outbox.

Two collections, every hot-path read and write by `_id`:

- `deliveries` is the permanent record, one document per idempotency key (`_id`). Inserting it
  is the claim: a redelivered match finds its key taken and sends nothing twice. Its `status` is
  `scheduled` (pending: it has an outbox entry) or `held` (waiting for its digest) until it
  settles as `sent`, `suppressed` or `failed`. A digest's document lists its items' keys
  (`items`, grown with `$addToSet`), so they are read by `_id $in`, never searched for.
- `outbox` holds only pending work: `{_id: key, state, ready_at, attempts, lease}`. `ready_at`
  is when somebody may take it — its due time while `scheduled`, its lease's end while
  `sending` — so the dispatcher's poll is one range on a collection the size of the work in
  hand, whatever the history. The entry is deleted once the delivery has settled.
- `leases` holds one document per lease taken by the outbox's poll, `_id` = `{key}#{n}`,
  n = 1, 2, …: taking lease n+1 is *inserting* that `_id`, which only one sender can do (a
  unique key is the one compare-and-set both MongoDB and FerretDB make atomic; FerretDB applies
  a conditional update as read-then-write, and two notifiers racing on `{_id, ready_at <= now}`
  were both seen to win). Nobody inserts n+1 while lease n has not expired (`until`), and a
  sender checks, just before it hands a message to the provider, that nobody took n+1 and that
  at least half its lease is left (`holds`): n is its fencing token. The outbox's `lease` is
  where to start looking; the inserts decide. Each lease names its owner (host:pid) and time.
- Lease 1 of an instant send is its outbox entry: the consumer *inserts* the entry already
  leased (`owner`, `ready_at` = the lease's end), so that insert is the compare-and-set, and
  no `leases` document is written for it. Nobody takes lease 2 before that entry's `ready_at`
  (the poll's `lease` reads it first), and the entry's `ready_at` moves only by its holder
  (a retry or deferral) or once the record has settled.

A settled record names the instance that recorded its outcome (`settled_by`, host:pid).

Writes go delivery first, outbox second. A crash between the two leaves a `scheduled` delivery
without an outbox entry; the Kafka offset was not committed, so the match comes again and
`repair` writes the missing entry. A crash between settling the delivery and deleting its entry
leaves an entry whose delivery has settled; the next lease finds that out and drops it.

FerretDB (the local stand-in) serves `{_id: …}` and `{_id: {$in: …}}` from its index and scans
for anything else; MongoDB serves the `ready` index of the outbox too.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections import deque
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure

from notifier.delivery import Delivery, OutboxState, Outcome, RecordStatus
from shared.enterprises import Enterprise
from shared.mongo import Document

SETTLED = (RecordStatus.SENT.value, RecordStatus.SUPPRESSED.value, RecordStatus.FAILED.value)
DUPLICATE_KEY = 11000
# Leases a taker steps over when the outbox's hint is behind (a stale write); more is a bug.
LEASE_STEPS = 16
# Leases of one key a replay looks at: far more than its attempts (8) and deferrals.
REPLAY_LEASES_READ = 64
# Documents one coalesced read asks for at most (two a fence check).
COALESCED_READ_IDS = 512
# Lease 1 entries remembered until their fence check; beyond, the check reads the entry.
ENTRY_LEASES_KEPT = 10_000


def lease_id(key: str, number: int) -> str:
    return f"{key}#{number}"


class CoalescedReads:
    """Reads by `_id` that many tasks ask for at once, made as one `_id $in` query.

    Every send checks its lease just before going out (`DeliveryStore.holds`); one query each
    was a round trip per email, a fifth of the notifier's CPU at 200 emails/s. A caller's ids
    join the next query, which starts once the current one has answered, so what it reads was
    read *after* it asked: the same answer as a query of its own, a little later."""

    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._collection = collection
        self._waiting: deque[tuple[list[str], asyncio.Future[dict[str, Document]]]] = deque()
        self._reader: asyncio.Task[None] | None = None

    async def find(self, ids: list[str]) -> dict[str, Document]:
        """The documents of `ids` that exist, by `_id`."""
        answer: asyncio.Future[dict[str, Document]] = asyncio.get_running_loop().create_future()
        self._waiting.append((ids, answer))
        if self._reader is None or self._reader.done():
            self._reader = asyncio.create_task(self._read())
        return await answer

    async def _read(self) -> None:
        while self._waiting:
            batch: list[tuple[list[str], asyncio.Future[dict[str, Document]]]] = []
            wanted: set[str] = set()
            while self._waiting and len(wanted) < COALESCED_READ_IDS:
                ids, answer = self._waiting.popleft()
                batch.append((ids, answer))
                wanted.update(ids)
            try:
                cursor = self._collection.find({"_id": {"$in": sorted(wanted)}})
                found = {str(d["_id"]): d async for d in cursor}
            except Exception as exc:  # each caller sees the failure, as with a query of its own
                for _, answer in batch:
                    if not answer.done():
                        answer.set_exception(exc)
                continue
            except asyncio.CancelledError:  # the loop is closing: nobody is left waiting
                for _, answer in [*batch, *self._waiting]:
                    answer.cancel()
                self._waiting.clear()
                raise
            for ids, answer in batch:
                if not answer.done():
                    answer.set_result({i: found[i] for i in ids if i in found})


class DeliveryStore:
    def __init__(self, db: AsyncDatabase[Document], owner: str | None = None) -> None:
        self._enterprises = db["enterprises"]
        self._deliveries = db["deliveries"]
        self._outbox = db["outbox"]
        self._leases = db["leases"]
        self._lease_reads = CoalescedReads(self._leases)
        self._outbox_reads = CoalescedReads(self._outbox)
        # Lease 1 entries this store inserted and has not checked yet: key → the lease's end.
        self._entry_leases: dict[str, datetime] = {}
        self._owner = owner or f"{socket.gethostname()}:{os.getpid()}"

    async def ensure_indexes(self) -> None:
        await self._deliveries.create_index([("enterprise_id", ASCENDING)], name="enterprise")
        await self._outbox.create_index([("ready_at", ASCENDING)], name="ready")
        # The poll no longer reads `deliveries`: its old index would only slow every write.
        with contextlib.suppress(OperationFailure):
            await self._deliveries.drop_index("status_due")

    async def enterprise(self, enterprise_id: str) -> Enterprise | None:
        document = await self._enterprises.find_one({"_id": enterprise_id})
        return Enterprise.from_document(document) if document else None

    async def enterprises(self, enterprise_ids: list[str]) -> dict[str, Enterprise]:
        cursor = self._enterprises.find({"_id": {"$in": enterprise_ids}})
        return {str(d["_id"]): Enterprise.from_document(d) async for d in cursor}

    # -- intake ---------------------------------------------------------------------------

    @staticmethod
    def _record(delivery: Delivery, now: datetime) -> Document:
        return {**delivery.to_document(), "created_at": now, "updated_at": now}

    async def claim(self, delivery: Delivery, now: datetime) -> bool:
        """Record the intent to deliver at its `due_at` and put it in the outbox; False if its
        key was already recorded."""
        try:
            await self._deliveries.insert_one(self._record(delivery, now))
        except DuplicateKeyError:
            return False
        await self._outbox.insert_one(
            {
                "_id": delivery.key,
                "state": OutboxState.SCHEDULED.value,
                "ready_at": delivery.due_at,
                "attempts": 0,
            }
        )
        return True

    async def claim_leased(
        self, delivery: Delivery, now: datetime, lease_seconds: float
    ) -> Delivery | None:
        """Record the intent and its outbox entry already leased to this sender, to send at
        once. None if its key was already recorded."""
        leased = await self.claim_many_leased([delivery], now, lease_seconds)
        return leased.get(delivery.key)

    async def claim_many_leased(
        self, claims: list[Delivery], now: datetime, lease_seconds: float
    ) -> dict[str, Delivery]:
        """`claim_leased` for a batch, in two writes: the records, then the outbox entries of
        those this call created, each holding lease 1. Keys already recorded, or whose entry
        another copy wrote first, are left out of the answer."""
        if not claims:
            return {}
        records = {d.key: self._record(d, now) for d in claims}
        created = set(records) - await self._insert_new(list(records.values()))
        if not created:
            return {}
        until = now + timedelta(seconds=lease_seconds)
        fresh = [key for key in records if key in created]
        # The entry is lease 1: whoever inserts it holds the message until `until` (its
        # `ready_at`), with no `leases` document of its own — one write less per message. A
        # copy that repaired a missing entry meanwhile wrote it already: then this call holds
        # nothing, and whoever inserts `{key}#1` (the poll's lease) sends.
        taken = await self._insert_new_in(
            self._outbox, [self._leased_entry(key, now, until) for key in fresh]
        )
        if len(self._entry_leases) > ENTRY_LEASES_KEPT:
            self._entry_leases.clear()  # sends that never reached their check: read instead
        self._entry_leases.update((key, until) for key in fresh if key not in taken)
        return {
            key: Delivery.from_document({**records[key], "attempts": 1, "lease": 1})
            for key in fresh
            if key not in taken
        }

    def _leased_entry(self, key: str, now: datetime, until: datetime) -> Document:
        """An outbox entry that is itself lease 1 of its key, this sender's."""
        return {
            "_id": key,
            "state": OutboxState.SENDING.value,
            "ready_at": until,
            "attempts": 1,
            "lease": 1,
            "owner": self._owner,
            "taken_at": now,
        }

    def _lease_document(self, key: str, number: int, now: datetime, until: datetime) -> Document:
        return {
            "_id": lease_id(key, number),
            "key": key,
            "owner": self._owner,
            "taken_at": now,
            "until": until,
        }

    async def _insert_new(self, documents: list[Document]) -> set[str]:
        """Insert the records whose `_id` is new; the keys that were already there."""
        return await self._insert_new_in(self._deliveries, documents)

    @staticmethod
    async def _insert_new_in(
        collection: AsyncCollection[Document], documents: list[Document]
    ) -> set[str]:
        """Insert the documents whose `_id` is new; the `_id`s that were already there."""
        if not documents:
            return set()
        try:
            await collection.insert_many(documents, ordered=False)
        except BulkWriteError as error:
            errors = error.details.get("writeErrors", [])
            if any(e.get("code") != DUPLICATE_KEY for e in errors):
                raise
            return {str(documents[e["index"]]["_id"]) for e in errors}
        return set()

    async def hold(self, item: Delivery, now: datetime) -> bool:
        """Record an item held for its digest (`item.digest_key`); False if its key was already
        recorded. The digest is told with `add_to_digest`."""
        try:
            await self._deliveries.insert_one(self._record(item, now))
        except DuplicateKeyError:
            return False
        return True

    async def add_to_digest(self, digest: Delivery, item: str, now: datetime) -> None:
        """The digest of one period (created by its first item) lists this item; idempotent."""
        await self._deliveries.update_one(
            {"_id": digest.key},
            {
                "$setOnInsert": {
                    k: v
                    for k, v in self._record(digest, now).items()
                    # _id is named by the filter (MongoDB keeps it out of the update); items
                    # grow by $addToSet alone.
                    if k not in ("_id", "items")
                },
                "$addToSet": {"items": item},
            },
            upsert=True,
        )
        await self._ensure_outbox(digest.key, digest.due_at)

    async def _ensure_outbox(self, key: str, ready_at: datetime) -> None:
        await self._outbox.update_one(
            {"_id": key},
            {
                "$setOnInsert": {
                    "state": OutboxState.SCHEDULED.value,
                    "ready_at": ready_at,
                    "attempts": 0,
                }
            },
            upsert=True,
        )

    async def record(self, key: str) -> Delivery | None:
        document = await self._deliveries.find_one({"_id": key})
        return Delivery.from_document(document) if document else None

    async def repair(self, delivery: Delivery) -> None:
        """Finish the writes a crash may have cut short for a pending delivery: its outbox
        entry, or for a held item its place in its digest. Does nothing to what is there."""
        if delivery.status == RecordStatus.SCHEDULED:
            await self._ensure_outbox(delivery.key, delivery.due_at)

    async def replay(self, key: str, now: datetime) -> None:
        """A failed delivery tried afresh (an operator replayed it from the dead-letter topic)."""
        await self._deliveries.update_one(
            {"_id": key},
            {
                "$set": {
                    "status": RecordStatus.SCHEDULED.value,
                    "due_at": now,
                    "attempts": 0,
                    "updated_at": now,
                    "detail": "replayed",
                }
            },
        )
        # Lease 1 may have been the outbox entry of an instant send (no `leases` document):
        # the next lease is 2 or more, never a second 1.
        last = max(await self._release_last_lease(key, now), 1)
        await self._outbox.update_one(
            {"_id": key},
            {
                "$set": {
                    "state": OutboxState.SCHEDULED.value,
                    "ready_at": now,
                    "attempts": 0,
                    "lease": last,
                }
            },
            upsert=True,
        )

    async def _release_last_lease(self, key: str, now: datetime) -> int:
        """End the last lease of a settled key (its sender recorded the outcome and let go, but
        its lease would still keep others out); its number, 0 if it was never leased."""
        ids = [lease_id(key, number) for number in range(1, REPLAY_LEASES_READ + 1)]
        found = [d async for d in self._leases.find({"_id": {"$in": ids}}, {"_id": 1})]
        if not found:
            return 0
        last = max(int(str(d["_id"]).rsplit("#", 1)[1]) for d in found)
        await self._leases.update_one({"_id": lease_id(key, last)}, {"$set": {"until": now}})
        return last

    # -- dispatch ---------------------------------------------------------------------------

    async def due(self, now: datetime, limit: int) -> list[str]:
        """Keys worth a lease attempt: due, or leased by a sender that went silent."""
        cursor = (
            self._outbox.find({"ready_at": {"$lte": now}}, {"_id": 1})
            .sort("ready_at", ASCENDING)
            .limit(limit)
        )
        return [str(document["_id"]) async for document in cursor]

    async def pending(self) -> int:
        """How many entries the outbox holds (its whole working set)."""
        return await self._outbox.count_documents({})

    async def lease(self, key: str, now: datetime, seconds: float) -> Delivery | None:
        """Take the delivery for sending if it is due and nobody holds it; None otherwise."""
        entry = await self._outbox.find_one({"_id": key})
        if entry is None or entry["ready_at"] > now:
            return None  # gone, not due, or another sender holds it
        until = now + timedelta(seconds=seconds)
        number = await self._take_lease(key, int(entry.get("lease", 0)), now, until)
        if number is None:
            return None  # another sender holds it
        attempts = int(entry.get("attempts", 0)) + 1
        await self._outbox.update_one(
            {"_id": key},
            {
                "$set": {
                    "state": OutboxState.SENDING.value,
                    "ready_at": until,
                    "attempts": attempts,
                    "lease": number,
                }
            },
        )
        delivery = await self._deliveries.find_one({"_id": key})
        if delivery is None or delivery["status"] != RecordStatus.SCHEDULED.value:
            await self._outbox.delete_one({"_id": key})  # settled before a crash: tidy up
            return None
        return Delivery.from_document({**delivery, "attempts": attempts, "lease": number})

    async def _take_lease(self, key: str, known: int, now: datetime, until: datetime) -> int | None:
        """Insert the lease after the last one taken, if that one has expired; its number, or
        None when a live lease is held by someone (or another taker won the insert). Lease 1
        of an instant send has no document here: the caller found its outbox entry expired."""
        number = known
        for _ in range(LEASE_STEPS):
            if number > 0:
                prior = await self._leases.find_one({"_id": lease_id(key, number)})
                if prior is not None and prior["until"] > now:
                    return None
            try:
                await self._leases.insert_one(self._lease_document(key, number + 1, now, until))
            except DuplicateKeyError:
                number += 1  # taken by another sender, or the hint was behind: look at it
                continue
            return number + 1
        raise RuntimeError(f"more than {LEASE_STEPS} leases of {key!r} past the outbox's hint")

    async def holds(self, key: str, lease: int, now: datetime, margin_seconds: float) -> bool:
        """Whether lease `lease` of `key` is still this sender's, with at least `margin_seconds`
        left: checked just before sending, so a sender that stalled past its lease (and may
        have lost it) sends nothing. Keys leased before leases existed (0) are not fenced.
        Lease 1 of an instant send is its outbox entry (`claim_many_leased`). The checks of
        concurrent sends are read together (`CoalescedReads`)."""
        if lease == 0:
            return True
        ids = [lease_id(key, lease), lease_id(key, lease + 1)]
        inserted_until = self._entry_leases.pop(key, None) if lease == 1 else None
        if inserted_until is not None:
            # This store inserted the entry that is lease 1 a moment ago: its owner and end are
            # known here, and only this sender may move them (a retry, a deferral, the outcome).
            found = await self._lease_reads.find(ids)
            if ids[0] in found or ids[1] in found:
                return False
            return bool(inserted_until - now >= timedelta(seconds=margin_seconds))
        if lease == 1:
            found, entries = await asyncio.gather(
                self._lease_reads.find(ids), self._outbox_reads.find([key])
            )
        else:
            found, entries = await self._lease_reads.find(ids), {}
        if ids[1] in found:
            return False  # another sender took the next lease
        own = found.get(ids[0]) or self._entry_lease(entries.get(key))
        if own is None or own.get("owner") != self._owner:
            return False
        return bool(own["until"] - now >= timedelta(seconds=margin_seconds))

    @staticmethod
    def _entry_lease(entry: Document | None) -> Document | None:
        """Lease 1 as an outbox entry holds it (owner, until), if the entry still is one."""
        if (
            entry is None
            or entry.get("lease") != 1
            or entry.get("state") != OutboxState.SENDING.value
            or "owner" not in entry
        ):
            return None
        return {"owner": entry["owner"], "until": entry["ready_at"]}

    async def release(self, key: str, lease: int, now: datetime) -> None:
        """End this sender's lease early (its message was rescheduled), so the next one may be
        taken when due rather than when this lease would have expired."""
        if lease > 0:
            await self._leases.update_one(
                {"_id": lease_id(key, lease), "owner": self._owner}, {"$set": {"until": now}}
            )

    async def reschedule(
        self, key: str, due_at: datetime, now: datetime, attempts: int, **fields: Any
    ) -> None:
        """Back to `scheduled` until `due_at` (a retry, a deferral, a replay)."""
        self._entry_leases.pop(key, None)
        await self._deliveries.update_one(
            {"_id": key},
            {"$set": {"due_at": due_at, "attempts": attempts, "updated_at": now, **fields}},
        )
        await self._outbox.update_one(
            {"_id": key},
            {
                "$set": {
                    "state": OutboxState.SCHEDULED.value,
                    "ready_at": due_at,
                    "attempts": attempts,
                }
            },
            upsert=True,
        )

    async def settle(
        self,
        key: str,
        status: RecordStatus,
        now: datetime,
        detail: str = "",
        attempts: int | None = None,
    ) -> None:
        """Record the outcome, then leave the outbox."""
        self._entry_leases.pop(key, None)
        fields: Document = {
            "status": RecordStatus(status).value,
            "detail": detail,
            "updated_at": now,
            "settled_by": self._owner,
        }
        if attempts is not None:
            fields["attempts"] = attempts
        await self._deliveries.update_one({"_id": key}, {"$set": fields})
        await self._outbox.delete_one({"_id": key})

    async def settle_many(self, outcomes: list[Outcome], now: datetime) -> None:
        """`settle` for many: one update per kind of outcome, then one outbox delete."""
        if not outcomes:
            return
        for outcome in outcomes:
            self._entry_leases.pop(outcome.key, None)

        def kind(outcome: Outcome) -> tuple[str, str, int]:
            return (
                RecordStatus(outcome.status).value,
                outcome.detail,
                -1 if outcome.attempts is None else outcome.attempts,
            )

        for (status, detail, attempts), group in groupby(sorted(outcomes, key=kind), key=kind):
            fields: Document = {
                "status": status,
                "detail": detail,
                "updated_at": now,
                "settled_by": self._owner,
            }
            if attempts >= 0:
                fields["attempts"] = attempts
            keys = [outcome.key for outcome in group]
            await self._deliveries.update_many({"_id": {"$in": keys}}, {"$set": fields})
        await self._outbox.delete_many({"_id": {"$in": [outcome.key for outcome in outcomes]}})

    # -- digests ----------------------------------------------------------------------------

    async def items(self, keys: list[str]) -> list[Delivery]:
        """A digest's items still held, in the order given."""
        if not keys:
            return []
        cursor = self._deliveries.find({"_id": {"$in": keys}})
        found = {str(d["_id"]): d async for d in cursor}
        held = RecordStatus.HELD.value
        return [
            Delivery.from_document(found[k])
            for k in keys
            if k in found and found[k]["status"] == held
        ]

    async def settle_items(
        self, keys: list[str], status: RecordStatus, now: datetime, detail: str
    ) -> None:
        if not keys:
            return
        await self._deliveries.update_many(
            {"_id": {"$in": keys}, "status": RecordStatus.HELD.value},
            {"$set": {"status": RecordStatus(status).value, "detail": detail, "updated_at": now}},
        )

    # -- reminders --------------------------------------------------------------------------

    async def schedule_reminder(self, reminder: Delivery, now: datetime) -> None:
        """A reminder per tender, enterprise and channel; an amended deadline moves one not yet
        sent (and a missing outbox entry is written again)."""
        if await self.claim(reminder, now):
            return
        key, due_at = reminder.key, reminder.due_at
        moved = await self._deliveries.update_one(
            {"_id": key, "status": RecordStatus.SCHEDULED.value},
            {"$set": {"due_at": due_at, "match": reminder.match_json, "updated_at": now}},
        )
        if moved.matched_count == 0:
            return  # already sent or suppressed
        with contextlib.suppress(DuplicateKeyError):  # being sent now: it reads the moved record
            await self._outbox.update_one(
                {"_id": key, "state": OutboxState.SCHEDULED.value},
                {"$set": {"ready_at": due_at}, "$setOnInsert": {"attempts": 0}},
                upsert=True,
            )

    async def cancel_reminders(self, keys: list[str], now: datetime, reason: str) -> None:
        """Suppress the reminders of these keys that have not gone out."""
        await self._deliveries.update_many(
            {"_id": {"$in": keys}, "status": RecordStatus.SCHEDULED.value},
            {
                "$set": {
                    "status": RecordStatus.SUPPRESSED.value,
                    "detail": reason,
                    "updated_at": now,
                }
            },
        )
        await self._outbox.delete_many({"_id": {"$in": keys}, "state": OutboxState.SCHEDULED.value})
