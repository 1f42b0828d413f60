"""The tenders registry's batch writes on the real MongoDB stand-in: what lost a race is told."""

from __future__ import annotations

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from ingest.registry import TenderRegistry
from ingest.revisions import Decision, Outcome, Write, content_of
from shared.events import Tender, TenderEvent, TenderEventKind
from shared.mongo import Document
from tests.factories import make_tender

pytestmark = pytest.mark.integration


def _write(tender: Tender, expected: int | None) -> Write:
    revision = (expected or 0) + 1
    outcome = Outcome.ACCEPTED if expected is None else Outcome.AMENDED
    revised = tender.model_copy(update={"revision": revision})
    kind = TenderEventKind.PUBLISHED if expected is None else TenderEventKind.AMENDED
    event = TenderEvent(kind=kind, tender=revised)
    return Write(expected, event, Decision(outcome, revision), content_of(tender), "p", 0)


async def test_inserts_and_conditional_updates_report_what_they_wrote(
    db: AsyncDatabase[Document],
) -> None:
    registry = TenderRegistry(db)
    first, second, third = (make_tender(source_id=f"RB-{n}") for n in range(3))
    inserted = await registry.save_many([_write(first, None), _write(second, None)])
    assert inserted == {first.uid, second.uid}

    # `first` again as new loses (it exists); `third` is new; `second` is amended from rev 1.
    amend = _write(second, 1)
    written = await registry.save_many([_write(first, None), _write(third, None), amend])
    assert written == {third.uid, second.uid}

    # A writer that read revision 1 of `second` after it became 2 loses its race.
    stale = _write(second, 1)
    fresh = _write(first, 1)
    assert await registry.save_many([stale, fresh]) == {first.uid}

    stored = await registry.get_many([first.uid, second.uid, third.uid])
    assert {uid: s.current.revision for uid, s in stored.items()} == {
        first.uid: 2,
        second.uid: 2,
        third.uid: 1,
    }
    pending = stored[second.uid].pending_event
    assert pending is not None
    assert pending.event_id == amend.event.event_id

    await registry.clear_pending_many([amend.event, stale.event])
    after = await registry.get_many([second.uid, first.uid])
    assert after[second.uid].pending_event is None
    assert after[first.uid].pending_event is not None  # not one of the events cleared
