"""`vigie ops …`: what an operator watches: the lag exporter and the one-screen status."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Annotated

import typer
from aiokafka.errors import KafkaError
from rich.console import Console
from rich.live import Live

from shared.settings import CommonSettings
from vigie import lag_exporter, ops_status
from vigie.ops_rules import ServiceView, Thresholds

console = Console(highlight=False)
app = typer.Typer(
    help="Operations: consumer lag, dead letters, services' health.", no_args_is_help=True
)

TopicPrefix = Annotated[
    str | None,
    typer.Option(
        help="Only topics starting with this (default: VIGIE_TOPIC_PREFIX, empty: all).",
        show_default=False,
    ),
]


@app.command("exporter")
def exporter(
    port: Annotated[int, typer.Option(help="Port of /metrics.")] = lag_exporter.DEFAULT_PORT,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    interval: Annotated[
        float, typer.Option(help="Seconds between two reads of the groups from Kafka.")
    ] = lag_exporter.DEFAULT_INTERVAL,
    topic_prefix: TopicPrefix = None,
) -> None:
    """Serve consumer lag (messages, seconds), group members and dead-letter depth to Prometheus."""
    settings = CommonSettings()
    prefix = settings.topic_prefix if topic_prefix is None else topic_prefix
    lag_exporter.serve(
        settings.kafka_bootstrap, host=host, port=port, topic_prefix=prefix, interval=interval
    )


@app.command("status")
def status(
    watch: Annotated[bool, typer.Option("--watch", help="Refresh until Ctrl-C.")] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON document, for scripts.")
    ] = False,
    interval: Annotated[
        float,
        typer.Option(
            help="Seconds between two reads of Kafka: the lag's change and the throughput are "
            "measured over them (one-shot: two reads; --watch: the last minute). 0: one read."
        ),
    ] = 5.0,
    service: Annotated[
        list[str] | None,
        typer.Option(
            "--service",
            help="LABEL=URL of a service to check (repeatable); default: the replicas "
            "started from this stack dir.",
            show_default=False,
        ),
    ] = None,
    max_lag_seconds: Annotated[
        float, typer.Option(help="Unhealthy when a group's oldest unconsumed record is older.")
    ] = Thresholds.max_lag_seconds,
    max_lag_growth: Annotated[
        int, typer.Option(help="Unhealthy when a group's lag grows by more over the window.")
    ] = Thresholds.max_lag_growth,
    dead_letter_window: Annotated[
        float,
        typer.Option(help="Unhealthy while a dead letter is younger than this (s); 0: never."),
    ] = Thresholds.dead_letter_window,
    topic_prefix: TopicPrefix = None,
) -> None:
    """Services up/live/ready, consumer groups' lag and throughput, dead-letter topics.

    Exit status 1 when something is unhealthy, 2 when Kafka cannot be read, else 0. Unhealthy:
    a service replica not running, or its /health/live or /health/ready failing (one without
    them is judged by its process); records waiting for a group with no live member; a group's
    oldest unconsumed record older than --max-lag-seconds; a group's lag growing with nothing
    committed, or by more than --max-lag-growth records, between the reads; a dead letter
    younger than --dead-letter-window seconds. Throughput is the records a group committed
    between the first and last read, per second (one-shot: two reads --interval apart; with
    --watch, the reads of the last minute).
    """
    settings = CommonSettings()
    prefix = settings.topic_prefix if topic_prefix is None else topic_prefix
    limits = Thresholds(max_lag_seconds, max_lag_growth, dead_letter_window)
    try:
        urls = dict(_label_url(pair) for pair in service or [])
    except ValueError as exc:
        console.print(f"[red]--service {exc}")
        raise typer.Exit(2) from exc
    services = (lambda: ops_status.named_services(urls)) if urls else ops_status.local_services
    sampler = ops_status.Sampler(ops_status.kafka_reader(settings.kafka_bootstrap, prefix))
    try:
        result = _watch(sampler, services, limits, interval) if watch else None
        if result is None:
            result = _once(sampler, services, limits, interval)
    except KafkaError as exc:
        console.print(f"[red]cannot read Kafka at {settings.kafka_bootstrap}: {exc!r}")
        raise typer.Exit(2) from exc
    if as_json:
        typer.echo(json.dumps(result.as_json(), indent=2))
    elif not watch:
        console.print(ops_status.render(result))
    raise typer.Exit(0 if result.healthy else 1)


def _label_url(pair: str) -> tuple[str, str]:
    label, sep, url = pair.partition("=")
    if not sep or not label or not url.startswith(("http://", "https://")):
        raise ValueError(f"{pair!r}: expected LABEL=http://host:port")
    return label, url


def _once(
    sampler: ops_status.Sampler,
    services: Callable[[], list[ServiceView]],
    limits: Thresholds,
    interval: float,
) -> ops_status.Report:
    sampler.sample()
    if interval > 0:
        time.sleep(interval)
        sampler.sample()
    return ops_status.report(sampler, services, limits)


def _watch(
    sampler: ops_status.Sampler,
    services: Callable[[], list[ServiceView]],
    limits: Thresholds,
    interval: float,
) -> ops_status.Report | None:
    """Refresh the screen every `interval` seconds; the last report when interrupted."""
    result = None
    with Live(console=console, auto_refresh=False) as live:
        try:
            while True:
                sampler.sample()
                result = ops_status.report(sampler, services, limits)
                live.update(ops_status.render(result), refresh=True)
                time.sleep(max(interval, 1.0))
        except KeyboardInterrupt:
            pass
    return result
