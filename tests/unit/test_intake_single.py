"""The single-tender path: a new tender in one round trip, its pending marker cleared off the
request's path, and never an event published twice meanwhile nor one lost when the clear fails."""

from __future__ import annotations

from typing import Any

import pytest

from ingest.intake import TenderIntake
from ingest.revisions import Outcome, Stored, Write
from shared.events import TenderEvent
from tests.factories import make_tender
from tests.fakes import InMemoryTenders, RecordingPublisher


class CountingTenders(InMemoryTenders):
    """Counts the store's operations; its clears can be made to fail. Inserts or reads in one
    operation, as the MongoDB registry does."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []
        self.clears_fail = False

    async def get(self, uid: str) -> Stored | None:
        self.calls.append("get")
        return await super().get(uid)

    async def insert_or_get(self, write: Write) -> Stored | None:
        self.calls.append("insert_or_get")
        stored = self.items.get(write.event.tender.uid)
        if stored is None:
            args = (write.decision, write.content, write.publisher_id, write.source_revision)
            await super().save(None, write.event, *args)
        return stored

    async def save(self, expected: int | None, event: TenderEvent, *args: Any) -> bool:
        self.calls.append("insert" if expected is None else "update")
        return await super().save(expected, event, *args)

    async def clear_pending_many(self, events: list[TenderEvent]) -> None:
        self.calls.append("clear_many")
        if self.clears_fail:
            raise ConnectionError("mongodb unreachable")
        await super().clear_pending_many(events)


async def test_a_new_tender_is_one_write_and_its_marker_is_cleared_after() -> None:
    tenders, publisher = CountingTenders(), RecordingPublisher()
    intake = TenderIntake(tenders, publisher)
    tender = make_tender(source_id="N-1")
    receipt = await intake.submit(tender, "p")
    assert receipt.outcome == Outcome.ACCEPTED
    assert tenders.calls == ["insert_or_get"]  # no read before, no clear on the request's path
    assert [e.tender.uid for e in publisher.events] == [tender.uid]
    assert tenders.items[tender.uid].pending_event is not None
    await intake.close()
    assert tenders.calls == ["insert_or_get", "clear_many"]
    assert tenders.items[tender.uid].pending_event is None


async def test_the_same_tender_again_before_its_clear_is_unchanged_and_not_republished() -> None:
    tenders, publisher = CountingTenders(), RecordingPublisher()
    intake = TenderIntake(tenders, publisher)
    tender = make_tender(source_id="N-2")
    await intake.submit(tender, "p")
    again = await intake.submit(tender, "p")
    changed = await intake.submit(tender.model_copy(update={"title": "Autre titre"}), "p")
    assert tenders.calls[:4] == ["insert_or_get"] * 3 + ["update"]
    await intake.close()
    assert (again.outcome, changed.outcome) == (Outcome.UNCHANGED, Outcome.AMENDED)
    assert [(e.kind, e.tender.revision) for e in publisher.events] == [
        ("published", 1),
        ("amended", 2),
    ]
    assert tenders.items[tender.uid].pending_event is None


async def test_an_event_whose_marker_was_not_cleared_goes_out_again_with_the_next_push() -> None:
    tenders = CountingTenders()
    tenders.clears_fail = True
    first = RecordingPublisher()
    intake = TenderIntake(tenders, first)
    tender = make_tender(source_id="N-3")
    await intake.submit(tender, "p")
    await intake.close()  # the clear failed: logged, the marker stays
    assert tenders.items[tender.uid].pending_event == first.events[0]

    tenders.clears_fail = False
    second = RecordingPublisher()
    receipt = await TenderIntake(tenders, second).submit(tender, "p")
    assert receipt.outcome == Outcome.UNCHANGED
    assert second.events == first.events  # at least once: the same event, published again
    assert tenders.items[tender.uid].pending_event is None


async def test_an_event_an_outage_left_unpublished_goes_out_with_the_next_push() -> None:
    tenders = CountingTenders()
    tender = make_tender(source_id="N-4")
    failing = RecordingPublisher(fail=True)
    with pytest.raises(ConnectionError):
        await TenderIntake(tenders, failing).submit(tender, "p")
    assert tenders.items[tender.uid].pending_event is not None

    working = RecordingPublisher()
    intake = TenderIntake(tenders, working)
    receipt = await intake.submit(tender, "p")
    await intake.close()
    assert receipt.outcome == Outcome.UNCHANGED
    assert [e.kind for e in working.events] == ["published"]
    assert tenders.items[tender.uid].pending_event is None
