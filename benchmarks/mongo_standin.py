"""The MongoDB server's hot-path operations as its collections grow: what Vigie's stores rely on.

Run against any MongoDB-wire server (the local stack's FerretDB by default):
`python -m benchmarks.mongo_standin [--sizes 1000 10000 100000] [--url mongodb://…]`.
Each size fills a fresh collection with ~2 KB documents, then times, through PyMongo:

- find by `_id`; a conditional update on `{_id, revision}` (ingest's optimistic write);
- find by `_id: {$in: [50 ids]}` (a batch's lookup);
- a poll of a small working set (200 documents in a second collection, the notifier's outbox),
  to show it does not depend on the big one;
- four concurrent writers inserting, in operations per second.

Prints a Markdown table; measured, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection

from shared.mongo import Document
from vigie_stack.config import StackConfig

PADDING = "x" * 1900
SAMPLES = 200


async def _fill(collection: AsyncCollection[Document], count: int, batch: int = 1000) -> list[str]:
    ids = [f"bench:{uuid.uuid4().hex}" for _ in range(count)]
    for start in range(0, count, batch):
        chunk = ids[start : start + batch]
        await collection.insert_many(
            [{"_id": key, "revision": 1, "status": "sent", "body": PADDING} for key in chunk],
            ordered=False,
        )
    return ids


async def _timed(call: Callable[[], Awaitable[Any]], samples: int = SAMPLES) -> tuple[float, float]:
    """p50 and p99 in milliseconds."""
    took = []
    for _ in range(samples):
        started = time.perf_counter()
        await call()
        took.append((time.perf_counter() - started) * 1000)
    took.sort()
    return statistics.median(took), took[min(len(took) - 1, int(len(took) * 0.99))]


async def _writers(collection: AsyncCollection[Document], writers: int, each: int) -> float:
    async def one() -> None:
        for _ in range(each):
            await collection.insert_one({"_id": uuid.uuid4().hex, "body": PADDING})

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(writers)))
    return writers * each / (time.perf_counter() - started)


async def measure(url: str, size: int) -> dict[str, float]:
    client: AsyncMongoClient[Document] = AsyncMongoClient(url)
    db = client[f"bench_standin_{uuid.uuid4().hex[:8]}"]
    try:
        big, small = db["big"], db["outbox"]
        ids = await _fill(big, size)
        await _fill(small, 200)
        rng = random.Random(size)
        results: dict[str, float] = {"size": size}
        p50, p99 = await _timed(lambda: big.find_one({"_id": rng.choice(ids)}))
        results |= {"find_id_p50": p50, "find_id_p99": p99}

        async def conditional_update() -> None:
            await big.update_one(
                {"_id": rng.choice(ids), "revision": 1}, {"$set": {"status": "sent"}}
            )

        p50, p99 = await _timed(conditional_update)
        results |= {"update_p50": p50, "update_p99": p99}

        async def find_in() -> None:
            await big.find({"_id": {"$in": rng.sample(ids, 50)}}).to_list()

        p50, p99 = await _timed(find_in, samples=50)
        results |= {"find_in_p50": p50, "find_in_p99": p99}
        p50, p99 = await _timed(lambda: small.find({"status": "sent"}, {"_id": 1}).to_list())
        results |= {"poll_p50": p50, "poll_p99": p99}
        results["writers_ops"] = await _writers(db["writes"], writers=4, each=250)
        return results
    finally:
        await client.drop_database(db.name)
        await client.close()


def _row(r: dict[str, float]) -> str:
    return (
        f"| {int(r['size']):,} | {r['find_id_p50']:.2f} / {r['find_id_p99']:.2f} "
        f"| {r['update_p50']:.2f} / {r['update_p99']:.2f} "
        f"| {r['find_in_p50']:.2f} / {r['find_in_p99']:.2f} "
        f"| {r['poll_p50']:.2f} / {r['poll_p99']:.2f} | {r['writers_ops']:,.0f} |"
    )


HEADER = (
    "| documents | find `_id` p50 / p99 (ms) | update `{_id, revision}` | find `_id $in` 50 "
    "| poll 200-doc outbox | 4 writers (ops/s) |\n|---|---|---|---|---|---|"
)


async def main(url: str, sizes: list[int]) -> None:
    print(HEADER)
    for size in sizes:
        print(_row(await measure(url, size)), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default=StackConfig.from_env().mongo_url)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    args = parser.parse_args()
    asyncio.run(main(args.url, args.sizes))
