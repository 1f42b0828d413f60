"""Column (b) of the matcher benchmark: one MongoDB query per tender instead of the index.

Profiles are stored one document each with their code-prefix keys and territory keys (the same
keys the index uses), and each tender asks for the profiles whose keys meet its own. The
profiles are the index benchmark's without words or filters, which this query does not check. Run
with the
local stack up: `python -m benchmarks.matcher_mongo --profiles 10000 --tenders 50`. It appends
its table to docs/PERFORMANCE-matcher.md. Measured, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from pathlib import Path
from typing import Any

from benchmarks.matcher_index import _percentile, enterprises, tenders
from matcher.index import CONDITIONS, ProfileIndex
from matcher.rules import fitting_profiles
from shared.events import Tender
from shared.mongo import make_client
from vigie_stack.config import StackConfig

CODE, TERRITORY = ({c.name: c for c in CONDITIONS}[name] for name in ("code", "territory"))
OUT = Path(__file__).parents[1] / "docs" / "PERFORMANCE-matcher.md"


def _query(tender: Tender) -> dict[str, Any]:
    return {
        "codes": {"$in": sorted(CODE.tender_keys(tender))},
        "$or": [
            {"territories": None},
            {"territories": {"$in": sorted(TERRITORY.tender_keys(tender))}},
        ],
    }


async def run(profiles: int, tender_count: int) -> str:
    ents = list(enterprises(profiles, seed=4, words=False))  # what the query can answer alone
    docs = []
    for enterprise in ents:
        for profile in enterprise.profiles:
            territories = TERRITORY.profile_keys(profile)
            docs.append(
                {
                    "_id": f"{enterprise.id}|{profile.id}",
                    "codes": list(CODE.profile_keys(profile) or []),
                    "territories": list(territories) if territories is not None else None,
                }
            )
    client = make_client(f"{StackConfig.from_env().mongo_url.rstrip('/')}/")
    name = f"bench{uuid.uuid4().hex[:6]}"
    collection = client[name]["profiles"]
    try:
        began = time.perf_counter()
        for start in range(0, len(docs), 5_000):
            await collection.insert_many(docs[start : start + 5_000], ordered=False)
        loaded = time.perf_counter() - began
        sample = tenders(tender_count, seed=4)
        index = ProfileIndex.build(ents)
        latencies, same = [], True
        for tender in sample:
            began = time.perf_counter()
            found = {
                tuple(d["_id"].split("|", 1))
                async for d in collection.find(_query(tender), {"_id": 1})
            }
            latencies.append((time.perf_counter() - began) * 1000)
            same = same and found == index.candidates(tender) == fitting_profiles(ents, tender)
    finally:
        await client.drop_database(name)
        await client.close()
    return (
        f"| {profiles:,} | {loaded:.1f} | {_percentile(latencies, 0.5):.1f} | "
        f"{_percentile(latencies, 0.99):.1f} | {tender_count} | {'yes' if same else 'NO'} |"
    )


async def main(counts: list[int], tender_count: int) -> None:
    rows = [await run(count, tender_count) for count in counts]
    table = "\n".join(
        [
            "| profiles | load (s) | query p50 (ms) | query p99 (ms) | tenders | same answers |",
            "|---|---|---|---|---|---|",
            *rows,
        ]
    )
    print(table)
    with OUT.open("a", encoding="utf-8") as out:
        out.write(
            "\n## (b) One MongoDB query per tender\n\nMeasured by `python -m "
            "benchmarks.matcher_mongo` against the local stack's FerretDB 1.24 (SQLite): "
            "profiles stored with their code-prefix and territory keys, one `find` per "
            "tender with `$in` on both. FerretDB answers it by scanning (no index use), "
            "which is what this column measures; MongoDB with multikey indexes would "
            f"do better.\n\n{table}\n"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profiles", type=int, nargs="+", default=[10_000])
    parser.add_argument("--tenders", type=int, default=50)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.profiles, arguments.tenders))
