"""How soon a profile change reaches a running matcher, as enterprises accumulate.

Run with the local stack up: `python -m benchmarks.matcher_freshness [--sizes 1000 10000 100000]`.
For each size, a fresh database gets that many enterprises (the matcher benchmark's population),
a matcher starts on it (its full load is timed), then one enterprise at a time is changed the way
`vigie enterprises import` does it — written to MongoDB, announced on `vigie.enterprises.v1` —
and the time until the matcher's catalogue holds the new version is measured.

Beside it, what the previous design paid: each matcher polled MongoDB every 2 s with
`{updated_at: {$gte: t}}`, which the local stack's FerretDB answers by scanning every enterprise;
the time of one such query is reported. Measured, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from datetime import UTC, datetime
from itertools import islice

from benchmarks.matcher_index import enterprises as population
from matcher.bootstrap import bootstrap
from matcher.catalogue import EnterpriseCatalogue
from matcher.settings import MatcherSettings
from shared.enterprises import Enterprise
from shared.kafka.enterprise_changes import enterprise_announcer
from shared.logging import configure_logging
from shared.mongo import database, make_client
from vigie.enterprise_store import upsert_enterprises
from vigie_stack.config import StackConfig

CHANGES = 30


def _changed(enterprise: Enterprise, number: int) -> Enterprise:
    return enterprise.model_copy(update={"name": f"{enterprise.name} (changement {number})"})


def _name_held(catalogue: EnterpriseCatalogue, enterprise: Enterprise) -> str | None:
    held = catalogue.known([enterprise.id])
    return held[0].name if held else None


async def _fill(settings: MatcherSettings, size: int) -> list[Enterprise]:
    made = list(islice(population(size * 2, seed=11), size))
    client = make_client(settings.mongodb_url)
    try:
        collection = database(client, settings.mongodb_url)["enterprises"]
        now = datetime.now(UTC)
        for start in range(0, len(made), 2_000):
            documents = [
                {**e.to_document(), "updated_at": now} for e in made[start : start + 2_000]
            ]
            await collection.insert_many(documents, ordered=False)
        return made
    finally:
        await client.close()


async def _old_poll_ms(settings: MatcherSettings) -> float:
    """One `updated_at` poll as the previous matcher made it every 2 s (it found nothing new)."""
    client = make_client(settings.mongodb_url)
    try:
        collection = database(client, settings.mongodb_url)["enterprises"]
        started = time.perf_counter()
        await collection.find({"updated_at": {"$gte": datetime.now(UTC)}}).to_list()
        return (time.perf_counter() - started) * 1000
    finally:
        await client.close()


async def measure(config: StackConfig, size: int) -> dict[str, float]:
    namespace = f"fresh{uuid.uuid4().hex[:6]}"
    settings = MatcherSettings(
        kafka_bootstrap=config.kafka_bootstrap,
        mongodb_url=f"{config.mongo_url.rstrip('/')}/{namespace}",
        topic_prefix=f"{namespace}.",
        matcher_group_id=f"{namespace}-matcher",
        log_level="WARNING",
    )
    made = await _fill(settings, size)
    old_poll = await _old_poll_ms(settings)
    service = bootstrap(settings)
    started = time.perf_counter()
    await service.start()
    load = time.perf_counter() - started
    catalogue = service.matcher.catalogue
    client = make_client(settings.mongodb_url)
    seen: list[float] = []
    try:
        db = database(client, settings.mongodb_url)
        async with enterprise_announcer(settings) as announce:
            for number in range(CHANGES):
                changed = _changed(made[(number * 7919) % len(made)], number)
                began = time.perf_counter()
                await upsert_enterprises(db, [changed], announce=announce)
                # The catalogue has no event to wait on: polling it is the measurement.
                while _name_held(catalogue, changed) != changed.name:  # noqa: ASYNC110
                    await asyncio.sleep(0.002)
                seen.append((time.perf_counter() - began) * 1000)
    finally:
        await service.stop()
        await client.drop_database(namespace)
        await client.close()
    seen.sort()
    return {
        "size": size,
        "load_s": load,
        "p50": statistics.median(seen),
        "max": seen[-1],
        "old_poll_ms": old_poll,
    }


async def main(sizes: list[int]) -> None:
    config = StackConfig.from_env()
    print(
        "| enterprises | matcher start (full load) | change visible p50 / max "
        "| before: one `updated_at` poll (every 2 s) |\n|---|---|---|---|"
    )
    for size in sizes:
        r = await measure(config, size)
        print(
            f"| {size:,} | {r['load_s']:.1f} s | {r['p50']:.0f} / {r['max']:.0f} ms "
            f"| {r['old_poll_ms']:,.0f} ms |",
            flush=True,
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    configure_logging("console", "WARNING")
    asyncio.run(main(parser.parse_args().sizes))
