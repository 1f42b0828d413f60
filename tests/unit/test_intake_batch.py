"""The intake's batch path decides exactly as one notice at a time, in a few round trips."""

from __future__ import annotations

import pytest

from ingest.intake import Notice, Receipt, TenderIntake
from ingest.revisions import CancelledTenderError, Outcome, Stored, Write
from shared.events import TenderEventKind
from tests.factories import make_tender
from tests.fakes import InMemoryTenders, RecordingPublisher

PUBLISHED = TenderEventKind.PUBLISHED


class CountingTenders(InMemoryTenders):
    """Counts round trips, and can make chosen writes lose a race to another writer."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []
        self.lose: set[str] = set()

    async def get_many(self, uids: list[str]) -> dict[str, Stored]:
        self.calls.append("get_many")
        return await super().get_many(uids)

    async def save_many(self, writes: list[Write]) -> set[str]:
        self.calls.append("save_many")
        kept = [write for write in writes if write.event.tender.uid not in self.lose]
        self.lose.clear()  # the other writer wrote once; the retry finds its revision
        return await super().save_many(kept)


@pytest.fixture
def tenders() -> CountingTenders:
    return CountingTenders()


async def test_new_tenders_are_accepted_together(tenders: CountingTenders) -> None:
    publisher = RecordingPublisher()
    intake = TenderIntake(tenders, publisher)
    batch = [Notice(PUBLISHED, make_tender(source_id=f"B-{n}")) for n in range(5)]
    receipts = await intake.receive_many(batch, "p")
    assert [r.outcome for r in receipts if isinstance(r, Receipt)] == [Outcome.ACCEPTED] * 5
    assert [event.tender.uid for event in publisher.events] == [n.tender.uid for n in batch]
    assert tenders.calls == ["get_many", "save_many"]
    assert all(stored.pending_event is None for stored in tenders.items.values())


async def test_unchanged_amended_and_cancelled_tenders_in_one_batch(
    tenders: CountingTenders,
) -> None:
    publisher = RecordingPublisher()
    intake = TenderIntake(tenders, publisher)
    same, changed, closed = (make_tender(source_id=f"S-{n}") for n in range(3))
    await intake.receive_many([Notice(PUBLISHED, t) for t in (same, changed, closed)], "p")
    await intake.cancel(closed.uid, "p")
    publisher.events.clear()

    again = [
        Notice(PUBLISHED, same),
        Notice(PUBLISHED, changed.model_copy(update={"title": "Autre titre"})),
        Notice(PUBLISHED, closed),
    ]
    receipts = await intake.receive_many(again, "p")

    assert isinstance(receipts[0], Receipt)
    assert receipts[0].outcome == Outcome.UNCHANGED
    assert isinstance(receipts[1], Receipt)
    assert (receipts[1].outcome, receipts[1].revision) == (Outcome.AMENDED, 2)
    assert receipts[1].changed_fields == ("title",)
    assert isinstance(receipts[2], CancelledTenderError)
    assert [(e.kind, e.tender.uid) for e in publisher.events] == [
        (TenderEventKind.AMENDED, changed.uid)
    ]


async def test_a_write_that_loses_a_race_is_retried_one_at_a_time(
    tenders: CountingTenders,
) -> None:
    publisher = RecordingPublisher()
    intake = TenderIntake(tenders, publisher)
    first, second = make_tender(source_id="R-1"), make_tender(source_id="R-2")
    tenders.lose = {second.uid}
    receipts = await intake.receive_many([Notice(PUBLISHED, t) for t in (first, second)], "p")
    assert [r.outcome for r in receipts if isinstance(r, Receipt)] == [Outcome.ACCEPTED] * 2
    assert sorted(e.tender.uid for e in publisher.events) == sorted([first.uid, second.uid])
    assert len(publisher.events) == 2


async def test_a_cancellation_notice_goes_through_the_single_path(
    tenders: CountingTenders,
) -> None:
    publisher = RecordingPublisher()
    intake = TenderIntake(tenders, publisher)
    never_seen = make_tender(source_id="C-1")
    receipts = await intake.receive_many([Notice(TenderEventKind.CANCELLED, never_seen)], "p")
    assert isinstance(receipts[0], Receipt)
    assert receipts[0].outcome == Outcome.CANCELLED
    assert [e.kind for e in publisher.events] == [TenderEventKind.CANCELLED]


async def test_an_event_an_earlier_attempt_left_unpublished_goes_out_first(
    tenders: CountingTenders,
) -> None:
    failing = RecordingPublisher(fail=True)
    tender = make_tender(source_id="P-1")
    with pytest.raises(ConnectionError):
        await TenderIntake(tenders, failing).receive_many([Notice(PUBLISHED, tender)], "p")
    assert tenders.items[tender.uid].pending_event is not None

    publisher = RecordingPublisher()
    receipts = await TenderIntake(tenders, publisher).receive_many([Notice(PUBLISHED, tender)], "p")
    assert isinstance(receipts[0], Receipt)
    assert receipts[0].outcome == Outcome.UNCHANGED
    assert [e.tender.uid for e in publisher.events] == [tender.uid]
    assert tenders.items[tender.uid].pending_event is None


async def test_one_notice_per_tender_in_a_batch(tenders: CountingTenders) -> None:
    tender = make_tender(source_id="D-1")
    with pytest.raises(ValueError, match="one notice per tender"):
        await TenderIntake(tenders, RecordingPublisher()).receive_many(
            [Notice(PUBLISHED, tender), Notice(PUBLISHED, tender)], "p"
        )
