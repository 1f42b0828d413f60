"""The registry on the real MongoDB stand-in: a new tender inserted in one round trip (a stored one
handed back untouched), and events noted published without rewriting their tender."""

from __future__ import annotations

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from ingest.registry import TenderRegistry
from ingest.revisions import Decision, Outcome, Write, content_of
from shared.events import Tender, TenderEvent, TenderEventKind
from shared.mongo import Document
from tests.factories import make_tender

pytestmark = pytest.mark.integration


def _first(tender: Tender) -> Write:
    event = TenderEvent(kind=TenderEventKind.PUBLISHED, tender=tender)
    return Write(None, event, Decision(Outcome.ACCEPTED, 1), content_of(tender), "p", 0)


async def test_a_new_tender_is_inserted_and_a_stored_one_handed_back_untouched(
    db: AsyncDatabase[Document],
) -> None:
    registry = TenderRegistry(db)
    tender = make_tender(source_id="IG-1")
    first = _first(tender)
    assert await registry.insert_or_get(first) is None
    inserted = await db["tenders"].find_one({"_id": tender.uid})
    assert inserted is not None

    again = _first(tender.model_copy(update={"title": "Autre titre"}))
    stored = await registry.insert_or_get(again)
    assert stored is not None
    assert (stored.current.revision, stored.tender.title) == (1, tender.title)
    assert stored.pending_event is not None
    assert stored.pending_event.event_id == first.event.event_id
    assert await db["tenders"].find_one({"_id": tender.uid}) == inserted


async def test_an_event_noted_published_is_no_longer_pending_and_the_tender_is_not_rewritten(
    db: AsyncDatabase[Document],
) -> None:
    registry = TenderRegistry(db)
    noted, left = (make_tender(source_id=f"IG-{n}") for n in (2, 3))
    writes = [_first(noted), _first(left)]
    for write in writes:
        assert await registry.insert_or_get(write) is None
    before = await db["tenders"].find_one({"_id": noted.uid})

    await registry.clear_pending_many([writes[0].event])
    await registry.clear_pending_many([writes[0].event])  # noted twice: no error

    stored = await registry.get_many([noted.uid, left.uid])
    assert stored[noted.uid].pending_event is None
    pending = stored[left.uid].pending_event
    assert pending is not None
    assert pending.event_id == writes[1].event.event_id
    alone = await registry.get(noted.uid)
    assert alone is not None
    assert alone.pending_event is None
    assert await db["tenders"].find_one({"_id": noted.uid}) == before
