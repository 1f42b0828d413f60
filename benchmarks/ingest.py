"""Ingest throughput and latency against the real local stack (Kafka + FerretDB).

Run with the stack up: `python -m benchmarks.ingest [--tenders 10000] [--stored 1000 100000]`.
- `vigie ingest file`'s rate on one OCDS package of `--tenders` releases;
- the batch endpoint's rate (batches of 500);
- single `POST /v1/tenders` latency (1,000 posts, one at a time) with each `--stored` count of
  tenders already in the collection, to show whether it grows with the data.
Prints Markdown tables and writes docs/PERFORMANCE-ingest.md. Measured, never asserted.

`python -m benchmarks.ingest --rate 50 [--seconds 30] [--repost]` instead measures what one POST
costs: new tenders (or, with `--repost`, tenders already stored, unchanged) POSTed at a steady
rate to `python -m ingest` on a FerretDB and a Kafka of its own (so that their CPU is ingest's
alone): POST latency p50 / p99, and CPU per POST of ingest, FerretDB and Kafka (each server's
idle CPU, measured just before, taken off), read from /proc. Printed, not written.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import uvicorn

from benchmarks.process_cpu import ProcessCpu
from benchmarks.report import replace_measured_block
from ingest.bootstrap import bootstrap, bootstrap_runtime
from ingest.importer import ImportSummary, NoticeImporter
from ingest.intake import Notice, TenderIntake
from ingest.publishers import PublisherDirectory
from ingest.registry import TenderRegistry
from ingest.settings import IngestSettings
from shared.events import Tender, TenderEvent, TenderEventKind
from shared.mongo import database, make_client
from tests.chaos.fleet import PEPPER as FLEET_PEPPER
from tests.chaos.fleet import prepare_publisher
from tests.stack_clients import PrivateKafka, PrivateMongo, free_port
from vigie.services_runner import wait_for_ingest
from vigie_stack.config import StackConfig

PEPPER = "benchmark-only-pepper"
OUT = Path(__file__).parents[1] / "docs" / "PERFORMANCE-ingest.md"


def _release(index: int, stamp: str) -> dict[str, Any]:
    deadline = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    return {
        "ocid": f"ocds-bench1-{stamp}-{index}",
        "id": f"r{index}",
        "date": "2026-11-01T00:00:00Z",
        "tag": ["tender"],
        "language": "fr",
        "initiationType": "tender",
        "buyer": {"id": "ville-longueuil", "name": "Ville de Longueuil"},
        "tender": {
            "id": str(index),
            "title": f"Entretien ménager lot {index}",
            "description": "Entretien de bâtiments municipaux.",
            "tenderPeriod": {"endDate": deadline},
            "value": {"amount": 1000 + index, "currency": "CAD"},
            "items": [{"id": "1", "classification": {"scheme": "UNSPSC", "id": "76111500"}}],
        },
    }


def _tender(index: int, stamp: str) -> dict[str, Any]:
    return {
        "source": "longueuil",
        "source_id": f"B-{stamp}-{index}",
        "title": f"Déneigement {index}",
        "language": "fr",
        "buyer": {
            "name": "Ville de Longueuil",
            "id": "ville-longueuil",
            "territories": ["CA-QC-MUN-58227"],
        },
        "classifications": [{"scheme": "UNSPSC", "code": "72154100"}],
        "published_at": "2026-11-20T14:00:00Z",
        "submission_deadline": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
        "deadline_timezone": "America/Toronto",
    }


async def file_import(settings: IngestSettings, count: int) -> float:
    stamp = uuid.uuid4().hex[:8]
    package = {
        "publisher": {"name": "bench"},
        "releases": [_release(i, stamp) for i in range(count)],
    }
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "package.json"
        path.write_text(json.dumps(package))
        runtime = bootstrap_runtime(settings)
        await runtime.start()
        try:
            began = time.perf_counter()
            summary = await NoticeImporter(runtime.intake, "bench").run(
                [path], ImportSummary(), on_file=lambda _: None
            )
            took = time.perf_counter() - began
        finally:
            await runtime.stop()
    assert summary.counts["accepted"] == count, summary.counts
    return count / took


async def _key(settings: IngestSettings) -> str:
    client = make_client(settings.mongodb_url)
    try:
        directory = PublisherDirectory(database(client, settings.mongodb_url), PEPPER)
        await directory.ensure_indexes()
        return (await directory.add("Longueuil", ["ville-longueuil"], ["longueuil"]))[1]
    finally:
        await client.close()


class _NoEvents:
    """Fills the collection without sending the fill's events anywhere."""

    async def publish(self, event: TenderEvent) -> None:
        return None

    async def publish_many(self, events: list[TenderEvent]) -> None:
        return None


async def fill(settings: IngestSettings, stored: int) -> None:
    """`stored` tenders in the collection, written as the intake writes them."""
    client = make_client(settings.mongodb_url)
    try:
        intake = TenderIntake(TenderRegistry(database(client, settings.mongodb_url)), _NoEvents())
        stamp = uuid.uuid4().hex[:8]
        for start in range(0, stored, 500):
            batch = [
                Notice(TenderEventKind.PUBLISHED, Tender.model_validate(_tender(i, stamp + "f")))
                for i in range(start, min(stored, start + 500))
            ]
            await intake.receive_many(batch, "fill")
    finally:
        await client.close()


async def http_figures(settings: IngestSettings, count: int) -> tuple[float, float, float]:
    key = await _key(settings)
    server = uvicorn.Server(
        uvicorn.Config(bootstrap(settings), host="127.0.0.1", port=0, log_level="warning")
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
        await asyncio.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    headers = {"Authorization": f"Bearer {key}"}
    stamp = uuid.uuid4().hex[:8]
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=600
        ) as client:
            latencies = []
            for i in range(min(count, 1000)):
                began = time.perf_counter()
                response = await client.post("/v1/tenders", json=_tender(i, stamp + "s"))
                latencies.append((time.perf_counter() - began) * 1000)
                response.raise_for_status()
            began = time.perf_counter()
            for start in range(0, count, 500):
                batch = [_tender(i, stamp + "b") for i in range(start, min(count, start + 500))]
                (await client.post("/v1/tenders/batch", json={"tenders": batch})).raise_for_status()
            batch_rate = count / (time.perf_counter() - began)
    finally:
        server.should_exit = True
        await serving
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return batch_rate, statistics.median(latencies), p99


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def _post_at(url: str, key: str, bodies: list[dict[str, Any]], rate: float) -> list[float]:
    """POST each body at `rate` a second (aiohttp: the lightest client at hand, on the same
    cores); the latency of each, in ms. Every answer must be 202."""
    latencies: list[float] = []
    headers = {"Authorization": f"Bearer {key}"}
    async with aiohttp.ClientSession(base_url=url, headers=headers) as client:

        async def post(body: dict[str, Any]) -> None:
            began = time.perf_counter()
            async with client.post("/v1/tenders", json=body) as response:
                await response.read()
                if response.status != 202:
                    raise RuntimeError(f"POST answered {response.status}")
            latencies.append((time.perf_counter() - began) * 1000)

        started = time.monotonic()
        posts = []
        for n, body in enumerate(bodies):
            await asyncio.sleep(max(0.0, started + n / rate - time.monotonic()))
            posts.append(asyncio.create_task(post(body)))
        await asyncio.gather(*posts)
    return latencies


async def rate_figures(rate: float, seconds: float, repost: bool) -> dict[str, float]:
    """POST latency and CPU per POST at `rate`, on servers of its own (see the module's doc)."""
    with tempfile.TemporaryDirectory() as home:
        mongo, kafka = PrivateMongo(Path(home) / "mongo" / "data"), PrivateKafka(Path(home) / "k")
        ingest: subprocess.Popen[bytes] | None = None
        try:
            mongodb_url = f"{mongo.url}bench"
            key = await prepare_publisher(mongodb_url)
            port = free_port()
            env = {
                **os.environ,
                "VIGIE_MONGODB_URL": mongodb_url,
                "VIGIE_KAFKA_BOOTSTRAP": kafka.bootstrap,
                "VIGIE_API_KEY_PEPPER": FLEET_PEPPER,
                "VIGIE_INGEST_PORT": str(port),
                "VIGIE_LOG_LEVEL": "WARNING",
                "VIGIE_INGEST_RATE_PER_SECOND": str(rate * 10),
            }
            # A server process for the whole run, started once: blocking for a moment is fine.
            ingest = subprocess.Popen([sys.executable, "-m", "ingest"], env=env)  # noqa: ASYNC220
            url = f"http://127.0.0.1:{port}"
            await asyncio.to_thread(wait_for_ingest, url)
            stamp = uuid.uuid4().hex[:8]
            # Ten seconds of the same load first: topics created, Kafka's JIT warm.
            warm_up = [_tender(i, stamp + "w") for i in range(int(rate * 10))]
            await _post_at(url, key, warm_up, rate)
            bodies = [_tender(i, stamp) for i in range(int(rate * seconds))]
            if repost:
                await _post_at(url, key, bodies, rate * 4)
            servers = {"FerretDB": mongo.pid, "Kafka": kafka.pid}
            idle = ProcessCpu(servers)
            await asyncio.sleep(5)
            idle_per_second = {name: used / 5 for name, used in idle.used().items()}
            meter = ProcessCpu({"ingest": ingest.pid, **servers})
            began = time.monotonic()
            latencies = await _post_at(url, key, bodies, rate)
            took = time.monotonic() - began
            used = meter.used()
        finally:
            if ingest is not None:
                ingest.terminate()
                ingest.wait(30)
            kafka.stop()
            mongo.stop()
    figures = {"p50": _percentile(latencies, 0.5), "p99": _percentile(latencies, 0.99)}
    for name, seconds_used in used.items():
        spent = seconds_used - idle_per_second.get(name, 0.0) * took
        figures[f"{name} ms/POST"] = spent / len(bodies) * 1000
    return figures


def _settings(config: StackConfig) -> IngestSettings:
    namespace = f"bench{uuid.uuid4().hex[:6]}"
    return IngestSettings(
        kafka_bootstrap=config.kafka_bootstrap,
        mongodb_url=f"{config.mongo_url.rstrip('/')}/{namespace}",
        topic_prefix=f"{namespace}.",
        api_key_pepper=PEPPER,
        ingest_rate_per_second=1e6,
        ingest_rate_burst=1_000_000,
        ingest_max_body_bytes=50_000_000,
        log_level="WARNING",
    )


async def _drop(settings: IngestSettings) -> None:
    client = make_client(settings.mongodb_url)
    await client.drop_database(database(client, settings.mongodb_url).name)
    await client.close()


async def main(count: int, stored_sizes: list[int]) -> None:
    config = StackConfig.from_env()
    settings = _settings(config)
    import_rate = await file_import(settings, count)
    batch_rate, _, _ = await http_figures(settings, count)
    await _drop(settings)
    rates = "\n".join(
        [
            "| measure | result | goal |",
            "|---|---|---|",
            f"| `vigie ingest file` (OCDS package of {count:,} releases) "
            f"| {import_rate:,.0f} tenders/s | ≥ 2,000 |",
            f"| batch endpoint (batches of 500) | {batch_rate:,.0f} tenders/s | — |",
        ]
    )
    print(rates, flush=True)
    rows = ["| tenders stored | POST p50 | POST p99 |", "|---|---|---|"]
    for stored in stored_sizes:
        settings = _settings(config)
        await fill(settings, stored)
        _, p50, p99 = await http_figures(settings, 1_000)
        await _drop(settings)
        rows.append(f"| {stored:,} | {p50:.1f} ms | {p99:.1f} ms |")
        print(rows[-1], flush=True)
    latency = "\n".join(rows)
    stamp = f"{datetime.now(UTC):%Y-%m-%d}"
    replace_measured_block(
        OUT,
        f"Measured on {stamp}.\n\n{rates}\n\nSingle `POST /v1/tenders`, 1,000 posts one at "
        f"a time, with N tenders already stored:\n\n{latency}",
        "Ingest performance",
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tenders", type=int, default=10_000)
    parser.add_argument("--stored", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--rate", type=float, help="POSTs a second: measure one POST's cost")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--repost", action="store_true", help="POST tenders already stored")
    from shared.logging import configure_logging

    configure_logging("console", "WARNING")
    arguments = parser.parse_args()
    if arguments.rate:
        load = os.getloadavg()[0]
        figures = asyncio.run(rate_figures(arguments.rate, arguments.seconds, arguments.repost))
        print({name: round(value, 2) for name, value in figures.items()}, f"load {load:.1f}")
    else:
        asyncio.run(main(arguments.tenders, arguments.stored))
