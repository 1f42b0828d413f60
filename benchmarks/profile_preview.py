"""What one profile preview costs against the local stack's FerretDB, by size of `tenders`.

Run with the stack up: `python -m benchmarks.profile_preview [--stored 1000 10000 50000]`.
For each count, that many tenders (half inside the 90-day window, ~2 KB each as ingest stores
them, with a revision history) go into a scratch database; then a preview is timed with a scan
of the collection (median of three: `MongoRecentTenders` with its default bounds, 5,000 kept,
8 s) and from a kept scan (what every preview gets for 10 minutes after one), the matcher's
rules included. Prints a Markdown table; measured, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta

from notifier.profile_preview import preview, window_start
from notifier.recent_tenders import MongoRecentTenders
from shared.enterprises import AlertProfile
from shared.events import Tender
from shared.mongo import make_client
from vigie_stack.config import StackConfig

NOW = datetime.now(UTC).replace(microsecond=0)
PROFILE = AlertProfile.model_validate(
    {
        "id": "p1",
        "codes": [{"scheme": "CPV", "prefix": "9091"}],
        "keywords": {"none": ["amiante"]},
        "territories": ["CA-QC-RA-16"],
    }
)


def _document(number: int, days_ago: float) -> dict[str, object]:
    tender = Tender.model_validate(
        {
            "source": "bench",
            "source_id": f"B-{number}",
            "title": f"Entretien ménager des bâtiments, lot {number}",
            "description": "Entretien ménager et conciergerie de bâtiments municipaux. " * 8,
            "language": "fr",
            "buyer": {"name": "Ville de Longueuil", "territories": ["CA-QC-MUN-58227"]},
            "place_of_performance": ["CA-QC-MUN-58227" if number % 3 else "CA-QC-MUN-23027"],
            "classifications": [{"scheme": "CPV", "code": "90911200-8"}],
            "estimated_value": {"amount": "150000.00", "currency": "CAD"},
            "published_at": (NOW - timedelta(days=days_ago)).isoformat(),
            "submission_deadline": (NOW + timedelta(days=30)).isoformat(),
            "deadline_timezone": "America/Toronto",
        }
    )
    history = [{"revision": 1, "outcome": "accepted", "at": NOW, "changed_fields": []}]
    return {
        "_id": tender.uid,
        "status": "open",
        "tender": tender.model_dump(mode="json"),
        "history": history,
    }


async def run(stored: int) -> str:
    client = make_client(f"{StackConfig.from_env().mongo_url.rstrip('/')}/")
    name = f"bench{uuid.uuid4().hex[:6]}"
    db = client[name]
    since = window_start(NOW)
    try:
        documents = [_document(n, (n % 180) + 0.5) for n in range(stored)]
        for start in range(0, stored, 5_000):
            await db["tenders"].insert_many(documents[start : start + 5_000], ordered=False)
        scans = []
        for _ in range(3):  # a scan each time: no kept snapshot
            began = time.perf_counter()
            recent = await MongoRecentTenders(db, ttl_seconds=0).published_since(since)
            shown = preview(PROFILE, recent, since, "fr")
            scans.append((time.perf_counter() - began) * 1000)
        warm = MongoRecentTenders(db)
        await warm.published_since(since)
        began = time.perf_counter()
        preview(PROFILE, await warm.published_since(since), since, "fr")
        kept = (time.perf_counter() - began) * 1000
    finally:
        await client.drop_database(name)
        await client.close()
    return (
        f"| {stored:,} | {shown.read:,} | {'yes' if shown.complete else 'no'} | "
        f"{statistics.median(scans):.0f} | {kept:.0f} | {shown.count:,} |"
    )


async def main(counts: list[int]) -> None:
    rows = [await run(count) for count in counts]
    print(
        "| tenders stored | in the window, read | all of it | preview with a scan (ms) "
        "| preview from the kept scan (ms) | caught |"
    )
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stored", type=int, nargs="+", default=[1_000, 5_000, 20_000])
    asyncio.run(main(parser.parse_args().stored))
