"""The preview's reading of the tenders ingest stored, on the real MongoDB stand-in: the window,
newest first, cancelled calls left out, and the bound on the work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pymongo.asynchronous.database import AsyncDatabase

from notifier.recent_tenders import MongoRecentTenders
from shared.mongo import Document
from tests.factories import make_tender

NOW = datetime.now(UTC).replace(microsecond=0)


async def _store(db: AsyncDatabase[Document], title: str, days_ago: float, status: str) -> None:
    tender = make_tender(title=title, published_at=(NOW - timedelta(days=days_ago)).isoformat())
    await db["tenders"].insert_one(
        {"_id": tender.uid, "status": status, "tender": tender.model_dump(mode="json")}
    )


async def test_the_window_newest_first_without_cancelled_calls(
    db: AsyncDatabase[Document],
) -> None:
    for title, days, status in [
        ("old", 120, "open"),
        ("week", 7, "open"),
        ("today", 0.1, "open"),
        ("cancelled", 1, "cancelled"),
        ("month", 30, "open"),
    ]:
        await _store(db, title, days, status)
    read = await MongoRecentTenders(db).published_since(NOW - timedelta(days=90))
    assert [t.title for t in read.tenders] == ["today", "week", "month"]
    assert read.complete


async def test_past_its_bound_it_reads_the_newest_and_says_it_stopped(
    db: AsyncDatabase[Document],
) -> None:
    for day in range(5):
        await _store(db, f"day {day}", day + 0.5, "open")
    read = await MongoRecentTenders(db, max_tenders=3).published_since(NOW - timedelta(days=90))
    assert [t.title for t in read.tenders] == ["day 0", "day 1", "day 2"]
    assert not read.complete
