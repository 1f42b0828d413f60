"""The preview's reading of the tenders ingest stored, on the real MongoDB stand-in: the window,
cancelled calls left out, the bound on the work, and one scan shared by previews."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pymongo.asynchronous.database import AsyncDatabase

from notifier.recent_tenders import MongoRecentTenders
from shared.mongo import Document
from tests.factories import make_tender

NOW = datetime.now(UTC).replace(microsecond=0)
WINDOW = NOW - timedelta(days=90)


async def _store(db: AsyncDatabase[Document], title: str, days_ago: float, status: str) -> None:
    tender = make_tender(title=title, published_at=(NOW - timedelta(days=days_ago)).isoformat())
    await db["tenders"].insert_one(
        {"_id": tender.uid, "status": status, "tender": tender.model_dump(mode="json")}
    )


async def test_the_window_without_cancelled_calls(db: AsyncDatabase[Document]) -> None:
    for title, days, status in [
        ("old", 120, "open"),
        ("week", 7, "open"),
        ("today", 0.1, "open"),
        ("cancelled", 1, "cancelled"),
        ("month", 30, "open"),
    ]:
        await _store(db, title, days, status)
    read = await MongoRecentTenders(db).published_since(WINDOW)
    assert sorted(t.title for t in read.tenders) == ["month", "today", "week"]
    assert read.complete


async def test_past_its_bound_it_keeps_the_last_stored_and_says_it_stopped(
    db: AsyncDatabase[Document],
) -> None:
    for day in range(5):  # stored oldest first, as ingest receives them
        await _store(db, f"day {day}", 10 - day, "open")
    read = await MongoRecentTenders(db, max_tenders=3).published_since(WINDOW)
    assert [t.title for t in read.tenders] == ["day 2", "day 3", "day 4"]
    assert not read.complete


async def test_one_scan_serves_previews_until_it_is_stale(db: AsyncDatabase[Document]) -> None:
    await _store(db, "first", 2, "open")
    fresh = MongoRecentTenders(db)
    stale = MongoRecentTenders(db, ttl_seconds=0)
    assert len((await fresh.published_since(WINDOW)).tenders) == 1
    assert len((await stale.published_since(WINDOW)).tenders) == 1
    await _store(db, "second", 1, "open")
    assert len((await fresh.published_since(WINDOW)).tenders) == 1  # the kept scan
    assert len((await stale.published_since(WINDOW)).tenders) == 2  # a new scan
    narrower = await fresh.published_since(NOW - timedelta(days=1, hours=12))
    assert narrower.tenders == []  # "first" is 2 days old: outside, from the same scan
