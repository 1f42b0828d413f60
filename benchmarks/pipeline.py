"""End-to-end benchmark: POST /v1/tenders → the SMTP server accepted the message, on servers of
its own, with the services as the processes operators run.

    python -m benchmarks.pipeline --enterprises 100000 --rates 10 50 200 --seconds 30 \
        --hold 60 --stored 1000 10000 100000 --backfill 100000 --backfill-enterprises 200000

Servers: a private Kafka (the stack's jars), a private FerretDB and a private SMTP sink, on free
ports under a temporary folder (`tests.stack_clients`), so the shared local stack is not
disturbed; one ingest, one matcher and one notifier process (`tests.chaos.fleet`).

Workload: every enterprise has one profile on a UNSPSC class (6 digits) shared with
`--per-code - 1` others, in the Longueuil agglomeration; a tender carries one code of that
pool, so it matches exactly `--per-code` enterprises (a handful), each wanting instant email.

Measured, never asserted on:
- latency from the start of the POST to the SMTP sink's acceptance (its file name is the arrival
  time in ns), p50 / p95 / p99, for each rate, and whether the rate was *held*: the pipeline
  kept up (the last message arrived within 10 s of the last POST) and latency did not grow
  (p95 of the last third of the run within 1.5× + 0.5 s of the first third's);
- the highest held rate run again for `--hold` seconds;
- the same latency at 10 tenders/s with 1,000 / 10,000 / 100,000 tenders already stored;
- the matcher's resident memory (VmRSS) with N and 2N profiles loaded;
- a backfill: `vigie ingest file` of an OCDS package of `--backfill` notices against
  `--backfill-enterprises` profiles: the import's rate, then matched (the matcher's group at
  the end of the tenders topic) and delivered (the notifier's group at the end of the matches
  topic and the outbox empty), and the total time.

Figures are printed as Markdown and written into docs/PERFORMANCE-pipeline.md's measured block.
"""

from __future__ import annotations

import argparse
import asyncio
import email.policy
import json
import os
import platform
import resource
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks.ingest import _release as ocds_release
from benchmarks.ingest import fill
from benchmarks.process_cpu import ProcessCpu
from benchmarks.report import replace_measured_block
from ingest.settings import IngestSettings
from shared.enterprises import Enterprise
from shared.events import MATCHES_TOPIC, TENDERS_TOPIC
from shared.mongo import database, make_client
from tests.chaos.fleet import Fleet, enterprise_on, fleet_env, prepare_publisher
from tests.factories import tender_data
from tests.stack_clients import (
    PrivateKafka,
    PrivateMailSink,
    PrivateMongo,
    read_all,
    wait_until_consumed,
)
from vigie.enterprise_store import upsert_enterprises
from vigie.services_runner import wait_for_ingest

OUT = Path(__file__).parents[1] / "docs" / "PERFORMANCE-pipeline.md"
LOAD_BATCH = 2000
LONGUEUIL_ADDRESS = {"locality": "Longueuil", "region": "QC", "countryName": "Canada"}


def unspsc_class(index: int) -> str:
    """The index-th of 696,600 distinct valid UNSPSC classes: segment 10–95, family and class
    10–99 (no empty level under which another is set)."""
    segment = 10 + (index // 8100) % 86
    family = 10 + (index // 90) % 90
    klass = 10 + index % 90
    return f"{segment}{family}{klass}"


def bench_enterprises(run: str, start: int, count: int, per_code: int) -> list[Enterprise]:
    return [enterprise_on(run, i, unspsc_class(i // per_code)) for i in range(start, start + count)]


async def load_enterprises(url: str, run: str, start: int, count: int, per_code: int) -> float:
    """Write `count` enterprises; the seconds it took."""
    began = time.monotonic()
    client = make_client(url)
    try:
        db = database(client, url)
        for at in range(start, start + count, LOAD_BATCH):
            size = min(LOAD_BATCH, start + count - at)
            await upsert_enterprises(db, bench_enterprises(run, at, size, per_code))
    finally:
        await client.close()
    return time.monotonic() - began


def bench_tender(run: str, label: str, number: int, codes: int) -> dict[str, Any]:
    return tender_data(
        source_id=f"{run}-{label}-{number}",
        title=f"Bench {run} {label} {number}",
        classifications=[{"scheme": "UNSPSC", "code": unspsc_class(number % codes) + "00"}],
    )


class SinkReader:
    """Arrival time of every message the sink accepted, read incrementally from its folder."""

    def __init__(self, sink: PrivateMailSink) -> None:
        self._sink = sink
        self._seen: set[str] = set()
        self._parser = BytesHeaderParser(policy=email.policy.default)
        self.arrivals: dict[str, list[float]] = {}  # tender title → arrival times

    def read(self) -> int:
        """Reads the messages that arrived since the last call (the folder is listed, unsorted,
        and only new files are opened: it runs every half second beside the services)."""
        with os.scandir(self._sink.folder) as entries:
            fresh = [e for e in entries if e.name.endswith(".eml") and e.name not in self._seen]
        for entry in fresh:
            path = Path(entry.path)
            self._seen.add(path.name)
            with path.open("rb") as handle:
                headers = self._parser.parsebytes(handle.read(16384))
            title = str(headers.get("Subject", "")).split(" — ")[0]
            arrived = int(path.name.split("-", 1)[0]) / 1e9
            self.arrivals.setdefault(title, []).append(arrived)
        return len(self._seen)


@dataclass
class RateRun:
    label: str
    rate: float
    seconds: float
    posted: dict[str, float] = field(default_factory=dict)  # title → POST start
    refused: int = 0
    push_seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    drained_after: float = 0.0  # seconds from the last POST to the last message
    first_third_p95: float = 0.0
    last_third_p95: float = 0.0
    missing: int = 0
    stages: dict[str, list[float]] = field(default_factory=dict)
    """Seconds per stage: POST → tender on Kafka, → match on Kafka, → SMTP accepted."""
    cpu: dict[str, float] = field(default_factory=dict)
    """CPU seconds each process used from the first POST to the last message."""

    @property
    def held(self) -> bool:
        kept_up = self.missing == 0 and self.drained_after <= 10.0
        return kept_up and self.last_third_p95 <= 1.5 * self.first_third_p95 + 0.5


async def run_rate(
    fleet: Fleet,
    key: str,
    reader: SinkReader,
    run: RateRun,
    codes: int,
    per_code: int,
    drain: float = 300.0,
    servers: dict[str, int | None] | None = None,
) -> RateRun:
    """Push at `run.rate` for `run.seconds`, then wait (at most `drain` s) until every expected
    message arrived, so that the next run starts on an idle pipeline. The CPU of the services'
    processes and of `servers` (name → pid) is measured over the same stretch."""
    count = int(run.rate * run.seconds)
    tenders = [
        bench_tender(fleet.env["VIGIE_TOPIC_PREFIX"], run.label, n, codes) for n in range(count)
    ]
    cpu = ProcessCpu({**fleet.pids(), **(servers or {}), "benchmark": os.getpid()})
    began = time.monotonic()
    # aiohttp, not httpx: ~0.9 ms of CPU a POST instead of ~2.5 on the cores the services share
    # (docs/PERFORMANCE-ingest.md).
    async with aiohttp.ClientSession(
        base_url=fleet.ingest_url,
        timeout=aiohttp.ClientTimeout(total=30),
        connector=aiohttp.TCPConnector(limit=64),
        headers={"Authorization": f"Bearer {key}"},
    ) as client:

        async def post(tender: dict[str, Any]) -> None:
            started = time.time()
            try:
                async with client.post("/v1/tenders", json=tender) as response:
                    await response.read()
                    status = response.status
            except (aiohttp.ClientError, TimeoutError):  # ingest overwhelmed: counted, not retried
                run.refused += 1
                return
            if status == 202:
                run.posted[tender["title"]] = started
            else:
                run.refused += 1

        pending = []
        for n, tender in enumerate(tenders):
            await asyncio.sleep(max(0.0, began + n / run.rate - time.monotonic()))
            pending.append(asyncio.create_task(post(tender)))
        await asyncio.gather(*pending)
    run.push_seconds = time.monotonic() - began
    last_post = max(run.posted.values(), default=time.time())
    expected = len(run.posted) * per_code
    deadline = time.monotonic() + drain
    while True:
        reader.read()
        got = _received(reader, list(run.posted), per_code)
        if got >= expected or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    run.missing = expected - got
    run.cpu = cpu.used()
    ordered = sorted(run.posted.items(), key=lambda item: item[1])
    per_tender = []
    last_arrival = 0.0
    for title, started in ordered:
        arrivals = reader.arrivals.get(title, [])
        per_tender.append([a - started for a in arrivals])
        last_arrival = max([last_arrival, *arrivals])
    run.latencies = [value for values in per_tender for value in values]
    run.drained_after = max(0.0, last_arrival - last_post)
    third = max(1, len(per_tender) // 3)
    run.first_third_p95 = _pct([v for vs in per_tender[:third] for v in vs], 0.95)
    run.last_third_p95 = _pct([v for vs in per_tender[-third:] for v in vs], 0.95)
    run.stages = await stage_times(fleet.env, run.posted, reader.arrivals)
    return run


async def stage_times(
    env: dict[str, str], posted: dict[str, float], arrivals: dict[str, list[float]]
) -> dict[str, list[float]]:
    """Where the time went, from the Kafka records' timestamps (the producers' clocks, on this
    machine): ingest (POST → tender record), matcher (→ its last match record), notifier
    (→ each message accepted)."""
    bootstrap, prefix = env["VIGIE_KAFKA_BOOTSTRAP"], env["VIGIE_TOPIC_PREFIX"]
    tendered: dict[str, float] = {}
    for record in await read_all(bootstrap, f"{prefix}{TENDERS_TOPIC}", within=120):
        title = json.loads(record.value)["tender"]["title"]
        if title in posted:
            tendered[title] = record.timestamp / 1000
    matched: dict[str, float] = {}
    for record in await read_all(bootstrap, f"{prefix}{MATCHES_TOPIC}", within=120):
        title = json.loads(record.value)["tender"]["title"]
        if title in posted:
            matched[title] = max(matched.get(title, 0.0), record.timestamp / 1000)
    return {
        "ingest": [tendered[t] - posted[t] for t in posted if t in tendered],
        "matcher": [matched[t] - tendered[t] for t in matched if t in tendered],
        "notifier": [a - matched[t] for t in matched for a in arrivals.get(t, [])],
    }


def _pct(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def warm_up(fleet: Fleet, key: str, reader: SinkReader, codes: int, per_code: int) -> float:
    """One tender until its messages arrive: the matcher has loaded its index. Seconds taken."""
    began = time.monotonic()
    probe = RateRun(f"warm{uuid.uuid4().hex[:4]}", 1.0, 1.0)
    await run_rate(fleet, key, reader, probe, codes, per_code)
    return time.monotonic() - began


def ocds_package(run: str, count: int, codes: int) -> dict[str, Any]:
    """An OCDS package of `count` releases (benchmarks.ingest's), each on one class of the pool,
    its buyer's address in Longueuil: a notice placed nowhere reaches no profile of the pool."""
    releases = []
    for i in range(count):
        release = ocds_release(i, run)
        release["buyer"]["address"] = LONGUEUIL_ADDRESS
        release["tender"]["title"] = f"Backfill {run} {i}"
        [item] = release["tender"]["items"]
        item["classification"]["id"] = unspsc_class(i % codes) + "00"
        releases.append(release)
    return {"publisher": {"name": "bench"}, "releases": releases}


async def backfill(
    fleet: Fleet,
    servers: dict[str, int | None],
    reader: SinkReader,
    folder: Path,
    count: int,
    codes: int,
    per_code: int,
) -> dict[str, float]:
    """Import `count` notices as one file; when the import exited, the matcher caught up, and
    the sink held every expected message (or the drain gave up), with the messages counted."""
    env = fleet.env
    path = folder / "backfill.json"
    prefix = env["VIGIE_TOPIC_PREFIX"]
    path.write_text(json.dumps(ocds_package(prefix, count, codes)))
    cpu = ProcessCpu({**fleet.pids(), **servers})
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.monotonic()
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "vigie.cli", "ingest", "file", str(path)],
        env=env,
        capture_output=True,
        text=True,
    )
    imported = time.monotonic() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    import_cpu = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    if done.returncode != 0:
        raise RuntimeError(f"vigie ingest file failed: {done.stdout[-2000:]} {done.stderr[-2000:]}")
    bootstrap = env["VIGIE_KAFKA_BOOTSTRAP"]
    await wait_until_consumed(
        bootstrap, env["VIGIE_MATCHER_GROUP_ID"], f"{prefix}{TENDERS_TOPIC}", within=3600
    )
    matched = time.monotonic() - began
    await wait_until_consumed(
        bootstrap, env["VIGIE_NOTIFIER_GROUP_ID"], f"{prefix}{MATCHES_TOPIC}", within=3600
    )
    expected = count * per_code
    titles = [f"Backfill {prefix} {i}" for i in range(count)]
    while True:
        got = _received(reader, titles, per_code)
        if got >= expected or time.monotonic() - began > 3600:
            break
        await asyncio.sleep(1.0)
    delivered = time.monotonic() - began
    used = {"vigie ingest file": import_cpu, **cpu.used()}
    return {
        **{f"cpu {name}": seconds for name, seconds in used.items()},
        "imported_s": imported,
        "matched_s": matched,
        "delivered_s": delivered,
        "messages": got,
        "missing": expected - got,
    }


def _received(reader: SinkReader, titles: list[str], per_code: int) -> int:
    """Messages of these tenders the sink accepted, at most `per_code` a tender."""
    reader.read()
    return sum(min(len(reader.arrivals.get(title, [])), per_code) for title in titles)


def _matcher_pid(fleet: Fleet) -> int:
    matcher = fleet.running("matcher")[0]
    assert matcher.process is not None
    return matcher.process.pid


async def main(args: argparse.Namespace) -> None:
    home = Path(tempfile.mkdtemp(prefix="vigie-bench-pipeline-"))
    load_start = os.getloadavg()
    began = time.monotonic()
    kafka = PrivateKafka(home / "kafka")
    mongo = PrivateMongo(home / "mongo" / "data")
    sink = PrivateMailSink(home / "mail")
    run = f"b{uuid.uuid4().hex[:6]}"
    env = fleet_env(kafka.bootstrap, mongo.url, sink.port, run)
    env.update(
        {
            "VIGIE_DELIVERY_LEASE_SECONDS": "120",
            "VIGIE_INGEST_RATE_PER_SECOND": "10000",
            "VIGIE_INGEST_RATE_BURST": "10000",
            "VIGIE_SMTP_RATE_PER_SECOND": "10000",
            "VIGIE_SMTP_RATE_BURST": "10000",
            "VIGIE_SMTP_TIMEOUT_SECONDS": "10",
        }
    )
    fleet = Fleet(env, home)
    codes = max(1, args.enterprises // args.per_code)
    try:
        loaded = await load_enterprises(
            env["VIGIE_MONGODB_URL"], run, 0, args.enterprises, args.per_code
        )
        key = await prepare_publisher(env["VIGIE_MONGODB_URL"])
        for service, count in (
            ("ingest", 1),
            ("matcher", args.matchers),
            ("notifier", args.notifiers),
        ):
            for _ in range(count):
                fleet.add(service)
        await asyncio.to_thread(wait_for_ingest, fleet.ingest_url, 120)
        reader = SinkReader(sink)
        servers = {"Kafka": kafka.pid, "FerretDB": mongo.pid, "SMTP sink": sink.pid}
        ready = await warm_up(fleet, key, reader, codes, args.per_code)
        rss_n = rss_mib(_matcher_pid(fleet))
        print(f"{args.enterprises} enterprises loaded in {loaded:.0f} s; ready in {ready:.0f} s")
        seconds = args.seconds * len(args.rates) if len(args.seconds) == 1 else args.seconds
        runs = [
            await run_rate(
                fleet,
                key,
                reader,
                RateRun(f"r{int(rate)}", rate, duration),
                codes,
                args.per_code,
                args.drain,
                servers,
            )
            for rate, duration in zip(args.rates, seconds, strict=True)
        ]
        for r in runs:
            print(_row(r))
        held = [r for r in runs if r.held]
        hold: RateRun | None = None
        if held and args.hold:
            best = max(r.rate for r in held)
            hold = await run_rate(
                fleet,
                key,
                reader,
                RateRun(f"h{int(best)}", best, args.hold),
                codes,
                args.per_code,
                args.drain,
                servers,
            )
            print(_row(hold))
        stored_runs: list[tuple[int, RateRun]] = []
        have = 0
        settings = IngestSettings(
            kafka_bootstrap=env["VIGIE_KAFKA_BOOTSTRAP"],
            mongodb_url=env["VIGIE_MONGODB_URL"],
            topic_prefix=env["VIGIE_TOPIC_PREFIX"],
        )
        for size in args.stored:
            await fill(settings, size - have)
            have = size
            r = await run_rate(
                fleet,
                key,
                reader,
                RateRun(f"s{size}", 10.0, args.stored_seconds),
                codes,
                args.per_code,
            )
            stored_runs.append((size, r))
            print(size, _row(r))
        backfill_figures: dict[str, float] = {}
        rss_2n = float("nan")
        if args.backfill:
            extra = args.backfill_enterprises - args.enterprises
            loaded_2 = await load_enterprises(
                env["VIGIE_MONGODB_URL"], run, args.enterprises, extra, args.per_code
            )
            for matcher in fleet.running("matcher"):  # each loads the whole index anew
                matcher.signal(signal.SIGTERM)
                matcher.start()
            codes_2 = max(1, args.backfill_enterprises // args.per_code)
            ready_2 = await warm_up(fleet, key, reader, codes_2, args.per_code)
            rss_2n = rss_mib(_matcher_pid(fleet))
            backfill_figures = await backfill(
                fleet, servers, reader, home, args.backfill, codes_2, args.per_code
            )
            backfill_figures.update(loaded_s=loaded_2, ready_s=ready_2)
            print(backfill_figures)
    finally:
        fleet.stop_all()
        sink.stop()
        kafka.kill()
        mongo.kill()
    load_end = os.getloadavg()
    report = _report(
        args,
        runs,
        hold,
        stored_runs,
        backfill_figures,
        (rss_n, rss_2n),
        (loaded, ready),
        load_start,
        load_end,
        time.monotonic() - began,
    )
    print(report)
    if args.write:
        replace_measured_block(OUT, report, "Pipeline performance: POST to SMTP")


def _row(r: RateRun) -> str:
    achieved = len(r.posted) / r.push_seconds if r.push_seconds else 0.0
    refused = f" ({r.refused:,} refused)" if r.refused else ""
    lat = r.latencies
    return (
        f"| {r.rate:g} | {achieved:.1f} | {len(r.posted):,}{refused} | {len(lat):,} | "
        f"{_ms(_pct(lat, 0.5))} | {_ms(_pct(lat, 0.95))} | {_ms(_pct(lat, 0.99))} | "
        f"{_ms(max(lat, default=float('nan')))} | {r.drained_after:.1f} | "
        f"{_ms(r.first_third_p95)} → {_ms(r.last_third_p95)} | {r.missing} | "
        f"{'yes' if r.held else 'no'} | {_stages(r)} |"
    )


def _stages(r: RateRun) -> str:
    return " / ".join(
        f"{_ms(_pct(r.stages.get(stage, []), 0.5))}" for stage in ("ingest", "matcher", "notifier")
    )


def _ms(seconds: float) -> str:
    return "—" if seconds != seconds else f"{seconds * 1000:,.0f}"


HEADER = (
    "| rate asked (tenders/s) | achieved | tenders | messages | p50 (ms) | p95 (ms) | p99 (ms) "
    "| max (ms) | drained after last POST (s) | p95 first → last third (ms) | missing | held "
    "| p50 ingest / matcher / notifier (ms) |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def _report(
    args: argparse.Namespace,
    runs: list[RateRun],
    hold: RateRun | None,
    stored: list[tuple[int, RateRun]],
    backfill_figures: dict[str, float],
    rss: tuple[float, float],
    startup: tuple[float, float],
    load_start: tuple[float, float, float],
    load_end: tuple[float, float, float],
    took: float,
) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        f"Measured by `python -m benchmarks.pipeline {' '.join(sys.argv[1:])}` on {when}: "
        f"Python {platform.python_version()}, {os.cpu_count()} CPU(s); load average "
        f"{load_start[0]:.1f} / {load_start[1]:.1f} / {load_start[2]:.1f} at the start, "
        f"{load_end[0]:.1f} / {load_end[1]:.1f} / {load_end[2]:.1f} at the end (the machine is "
        f"shared); the run took {took / 60:.1f} min. {args.enterprises:,} enterprises, one "
        f"profile each, {args.per_code} per UNSPSC class: each tender matches "
        f"{args.per_code}. Loaded in {startup[0]:.0f} s; first tender delivered "
        f"{startup[1]:.0f} s after the services started.",
        "",
        "Rates, each for the seconds asked:",
        "",
        HEADER,
        *(_row(r) for r in runs),
        "",
    ]
    if hold is not None:
        parts += [f"Highest held rate, for {args.hold:g} s:", "", HEADER, _row(hold), ""]
    parts += _cpu_table([*runs, *([hold] if hold else [])])
    if stored:
        parts += [
            "With tenders already stored (10 tenders/s):",
            "",
            "| stored | " + HEADER.split("\n")[0][2:],
            "|---" + HEADER.split("\n")[1],
            *(f"| {size:,} {_row(r)}" for size, r in stored),
            "",
        ]
    memory = f"Matcher resident memory (VmRSS): {rss[0]:.0f} MiB with {args.enterprises:,} profiles"
    if rss[1] == rss[1]:
        added = max(1, args.backfill_enterprises - args.enterprises)
        slope = (rss[1] - rss[0]) * 1024 * 1024 / added
        memory += (
            f", {rss[1]:.0f} MiB with {args.backfill_enterprises:,} "
            f"({slope:,.0f} bytes a profile between the two)"
        )
    parts += [memory + ".", ""]
    if backfill_figures:
        n = args.backfill
        b = backfill_figures
        parts += [
            f"Backfill: {n:,} notices by `vigie ingest file` against "
            f"{args.backfill_enterprises:,} profiles ({args.per_code} matches a notice):",
            "",
            "| step | done after (s) | notices/s |",
            "|---|---|---|",
            f"| imported (the command exits) | {b['imported_s']:.0f} | "
            f"{n / b['imported_s']:,.0f} |",
            f"| matched (matcher at the end of the tenders topic) | {b['matched_s']:.0f} | "
            f"{n / b['matched_s']:,.0f} |",
            f"| delivered (the sink accepted every expected message) | "
            f"{b['delivered_s']:.0f} | {n / b['delivered_s']:,.0f} |",
            "",
            f"Messages accepted by the SMTP sink: {b['messages']:,.0f} of "
            f"{n * args.per_code:,}, missing {b['missing']:,.0f} "
            f"({b['messages'] / b['delivered_s']:,.0f} emails/s over the whole backfill).",
            "",
            "CPU used during the backfill, by process (the benchmark's own client left out):",
            "",
            "| process | CPU (s) | ms a notice | share of the run's wall time |",
            "|---|---|---|---|",
            *_cpu_rows(b, n),
            "",
        ]
    return "\n".join(parts)


def _cpu_table(runs: list[RateRun]) -> list[str]:
    """CPU per tender by process, for each rate run: what the two cores were spent on."""
    names = list(dict.fromkeys(name for r in runs for name in r.cpu))
    if not names:
        return []
    lines = [
        "CPU per tender by process over each run, first POST to last message (ms):",
        "",
        "| rate asked | " + " | ".join(names) + " | all |",
        "|---" * (len(names) + 2) + "|",
    ]
    for r in runs:
        tenders = max(1, len(r.posted))
        cells = [r.cpu.get(name, 0.0) * 1000 / tenders for name in names]
        lines.append(
            f"| {r.rate:g} | " + " | ".join(f"{c:.1f}" for c in cells) + f" | {sum(cells):.1f} |"
        )
    return [*lines, ""]


def _cpu_rows(figures: dict[str, float], notices: int) -> list[str]:
    rows = []
    spent = {k.removeprefix("cpu "): v for k, v in figures.items() if k.startswith("cpu ")}
    for name, seconds in [*spent.items(), ("all", sum(spent.values()))]:
        rows.append(
            f"| {name} | {seconds:,.1f} | {seconds * 1000 / notices:.2f} | "
            f"{seconds / figures['delivered_s']:.0%} |"
        )
    return rows


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--enterprises", type=int, default=1000)
    parser.add_argument("--per-code", type=int, default=4)
    parser.add_argument("--matchers", type=int, default=1, help="matcher replicas")
    parser.add_argument("--notifiers", type=int, default=1, help="notifier replicas")
    parser.add_argument("--rates", type=float, nargs="*", default=[10.0, 50.0, 200.0])
    parser.add_argument(
        "--seconds", type=float, nargs="*", default=[30.0], help="per rate, or one for all"
    )
    parser.add_argument("--drain", type=float, default=300.0, help="wait for a run's messages")
    parser.add_argument("--hold", type=float, default=60.0)
    parser.add_argument("--stored", type=int, nargs="*", default=[1000, 10000, 100000])
    parser.add_argument("--stored-seconds", type=float, default=20.0)
    parser.add_argument("--backfill", type=int, default=0)
    parser.add_argument("--backfill-enterprises", type=int, default=0)
    parser.add_argument("--write", action="store_true", help="write docs/PERFORMANCE-pipeline.md")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse()))
