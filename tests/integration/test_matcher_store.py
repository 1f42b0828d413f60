"""The matcher's MongoDB adapter on the local stack's server: a batch's match history is one
read, and recording the matches of several tenders at once is idempotent."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from matcher.history import earlier_of
from matcher.store import MongoMatcherStore
from shared.events import TenderEventKind
from shared.mongo import Document
from tests.factories import make_enterprise, make_match, make_tender


async def test_the_matches_of_several_tenders_are_recorded_once_and_read_back_together(
    db: AsyncDatabase[Document],
) -> None:
    store = MongoMatcherStore(db)
    first, second = make_enterprise(), make_enterprise()
    tender, other = make_tender(), make_tender()
    amended = tender.model_copy(update={"revision": tender.revision + 1})
    matches = [
        make_match(first, tender),
        make_match(second, other),
        make_match(first, amended, TenderEventKind.AMENDED),
    ]
    await store.record(matches)
    await store.record(matches)  # a redelivered batch changes nothing

    history = await store.match_history([tender.uid, other.uid, "never-matched"])
    assert set(history) == {tender.uid, other.uid}
    assert earlier_of(history[tender.uid], amended.revision + 1) == {first.id: "p1"}
    assert len(history[tender.uid]) == 2
    assert earlier_of(history[other.uid], other.revision + 1) == {second.id: "p1"}
    assert await db["matches"].count_documents({}) == 3
