"""The chaos run, longer than tests/chaos and with figures: faults one after another, every
`--gap` seconds, while tenders are pushed at a steady rate; then the count.

    python -m benchmarks.chaos --tenders 900 --enterprises 48 --rate 3 --gap 20 --write

Servers of its own (private Kafka, FerretDB, SMTP sink: the shared local stack is never
touched) and the services as processes, `--matchers` and `--notifiers` replicas. The faults, in
turn: SIGKILL and restart of every replica of every service (at a random moment, seed printed),
SIGKILL and restart of the Kafka broker, MongoDB stopped for `--mongo-down` seconds and
restarted, a notifier replica added, then one removed.

Figures (docs/RELIABILITY.md, measured block): tenders pushed, messages expected, delivered,
lost, duplicated (and how many of those the design's one window explains), dead letters, and for
each fault the time to recover: from the fault's start until the last message that came late
(beyond twice the calm p95, plus a second) among the tenders posted between it and the next
fault has arrived (0: nothing came late).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.report import replace_measured_block
from tests.chaos.fleet import (
    Chaos,
    Fault,
    Fleet,
    Workload,
    caught_pairs,
    dead_letters,
    fleet_env,
    prepare,
    push,
    tally,
    until_settled,
)
from tests.stack_clients import PrivateKafka, PrivateMailSink, PrivateMongo
from vigie.services_runner import wait_for_ingest

OUT = Path(__file__).parents[1] / "docs" / "RELIABILITY.md"


def recovery_seconds(
    fault: Fault,
    until: float,
    posted: dict[str, float],
    arrivals: dict[str, list[float]],
    calm_p95: float,
) -> float:
    """How long the fault disturbed delivery: from its start to the arrival of the last message
    that came late (beyond twice the calm p95, plus a second) among the tenders posted from its
    start until `until` (the next fault, or the end of the push); 0 if none came late."""
    bound = 2 * calm_p95 + 1.0
    late = [
        max(times)
        for title, sent in posted.items()
        if fault.started <= sent < until and (times := arrivals.get(title))
        if max(times) - sent > bound
    ]
    return max(late) - fault.started if late else 0.0


async def main(args: argparse.Namespace) -> None:
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    chance = random.Random(seed)
    home = Path(tempfile.mkdtemp(prefix="vigie-bench-chaos-"))
    load_start, began = os.getloadavg(), time.monotonic()
    kafka = PrivateKafka(home / "kafka")
    mongo = PrivateMongo(home / "mongo" / "data")
    sink = PrivateMailSink(home / "mail")
    run = f"k{uuid.uuid4().hex[:6]}"
    env = fleet_env(kafka.bootstrap, mongo.url, sink.port, run)
    workload = Workload.build(run, args.enterprises, args.tenders)
    key = await prepare(env["VIGIE_MONGODB_URL"], workload)
    fleet = Fleet(env, home)
    chaos = Chaos(fleet, kafka, mongo, chance)
    posted: dict[str, float] = {}
    replicas = {"ingest": 1, "matcher": args.matchers, "notifier": args.notifiers}
    steps: list[Callable[[], Awaitable[None]]] = [
        *(
            (lambda name=f"{service}-{i}": chaos.kill_and_restart(name))
            for service, count in replicas.items()
            for i in range(count)
        ),
        chaos.broker_down,
        lambda: chaos.mongo_down(args.mongo_down),
        lambda: chaos.add_replica("notifier"),
        lambda: chaos.remove_replica("notifier"),
    ]

    async def inject() -> None:
        await asyncio.sleep(args.gap)  # calm first: the latency to recover to
        for step in steps:
            await asyncio.sleep(chance.uniform(0.5, 1.5) * args.gap)
            await step()

    for service, count in replicas.items():
        for _ in range(count):
            fleet.add(service)
    try:
        await asyncio.to_thread(wait_for_ingest, fleet.ingest_url, 120)
        pushed = asyncio.create_task(
            push(fleet.ingest_url, key, workload.tenders, args.rate, posted)
        )
        await asyncio.gather(pushed, inject())
        await until_settled(sink, env, workload, home, within=args.settle)
        dead = await dead_letters(env)
    finally:
        fleet.stop_all()
        sink.stop()
        kafka.kill()
        mongo.kill()
    caught = sink.received()
    counted = tally(workload, caught, chaos.faults)
    arrivals = {title: times for (_, title), times in caught_pairs(caught, run).items()}
    first_fault = min(f.started for f in chaos.faults)
    calm = sorted(
        min(arrivals[t]) - sent
        for t, sent in posted.items()
        if sent < first_fault and t in arrivals
    )
    calm_p95 = calm[int(0.95 * (len(calm) - 1))] if calm else float("nan")
    report = _report(
        args,
        seed,
        counted.summary(),
        len(dead),
        chaos.faults,
        posted,
        arrivals,
        calm_p95,
        load_start,
        time.monotonic() - began,
    )
    print(report)
    if args.write:
        replace_measured_block(OUT, report, "Reliability")


def _report(
    args: argparse.Namespace,
    seed: int,
    summary: dict[str, int],
    dead: int,
    faults: list[Fault],
    posted: dict[str, float],
    arrivals: dict[str, list[float]],
    calm_p95: float,
    load_start: tuple[float, float, float],
    took: float,
) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load_end = os.getloadavg()
    lines = [
        f"Measured by `python -m benchmarks.chaos --tenders {args.tenders} --enterprises "
        f"{args.enterprises} --rate {args.rate:g} --gap {args.gap:g} --matchers {args.matchers} "
        f"--notifiers {args.notifiers} --mongo-down {args.mongo_down:g} --seed {seed}` on {when} "
        f"({took / 60:.1f} min; load average {load_start[0]:.1f} at the start, "
        f"{load_end[0]:.1f} at the end, 2 CPUs shared with other work).",
        "",
        "| tenders pushed | messages expected | delivered | lost | duplicated "
        "(explained by the window) | unexpected | dead letters |",
        "|---|---|---|---|---|---|---|",
        f"| {len(posted):,} | {summary['expected']:,} | {summary['delivered']:,} | "
        f"{summary['lost']} | {summary['duplicated']} ({summary['duplicated_explained']}) | "
        f"{summary['unexpected']} | {dead} |",
        "",
        f"Calm latency before the first fault, POST → SMTP accepted: p95 {calm_p95:.2f} s.",
        "",
        "| fault | target | lasted (s) | delivery disturbed for (s) |",
        "|---|---|---|---|",
    ]
    ordered = sorted(faults, key=lambda f: f.started)
    ends = [f.started for f in ordered[1:]] + [max(posted.values(), default=0.0) + 1]
    for fault, until in zip(ordered, ends, strict=True):
        back = recovery_seconds(fault, until, posted, arrivals, calm_p95)
        lines.append(
            f"| {fault.kind} | {fault.target} | {fault.ended - fault.started:.1f} | {back:.1f} |"
        )
    return "\n".join(lines)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Chaos run with figures")
    parser.add_argument("--tenders", type=int, default=300)
    parser.add_argument("--enterprises", type=int, default=24)
    parser.add_argument("--rate", type=float, default=2.0)
    parser.add_argument("--gap", type=float, default=10.0, help="seconds between faults")
    parser.add_argument("--matchers", type=int, default=2)
    parser.add_argument("--notifiers", type=int, default=2)
    parser.add_argument("--mongo-down", type=float, default=5.0)
    parser.add_argument("--settle", type=float, default=600.0)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--write", action="store_true", help="write docs/RELIABILITY.md")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse()))
