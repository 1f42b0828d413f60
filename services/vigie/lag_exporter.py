"""`vigie ops exporter`: consumer lag and dead-letter depth as Prometheus metrics.

No kafka_exporter or Burrow can be installed here, so Vigie exports lag itself from the Kafka
admin API (`vigie.lag_reader`). Kafka is read every `interval` seconds in the background, not at
each scrape: a scrape answers at once from the last snapshot, and a slow broker cannot pile up
reads. Series (the names shared with the dashboards and alert rules):

- `vigie_consumer_lag_messages{group,topic,partition}`
- `vigie_consumer_lag_seconds{group,topic,partition}`: age of the oldest unconsumed record,
  0 when caught up; absent for a partition whose record could not be read
- `vigie_consumer_group_members{group}`: live members; 0 for a group nobody consumes for
- `vigie_dead_letter_depth{topic}`: records held by each `.dlq` topic
- `vigie_lag_exporter_last_read_timestamp_seconds`, `vigie_lag_exporter_read_errors_total`:
  the exporter's own health (a stale read time means the numbers above are old)
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import structlog
from prometheus_client import Counter, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, Collector, CollectorRegistry

from vigie.lag import LagSnapshot
from vigie.lag_reader import read_snapshot

log = structlog.get_logger(__name__)
DEFAULT_PORT = 9308
DEFAULT_INTERVAL = 10.0


class LagCollector(Collector):
    """Yields the series of the last snapshot; none before the first one is read."""

    def __init__(self) -> None:
        self.snapshot: LagSnapshot | None = None

    def collect(self) -> Iterator[Metric]:
        snapshot = self.snapshot
        if snapshot is None:
            return
        labels = ["group", "topic", "partition"]
        messages = GaugeMetricFamily(
            "vigie_consumer_lag_messages", "Records a group has still to consume.", labels=labels
        )
        seconds = GaugeMetricFamily(
            "vigie_consumer_lag_seconds",
            "Age of the oldest record a group has not consumed; 0 when caught up.",
            labels=labels,
        )
        members = GaugeMetricFamily(
            "vigie_consumer_group_members", "Live members of a consumer group.", labels=["group"]
        )
        depth = GaugeMetricFamily(
            "vigie_dead_letter_depth", "Records held by a dead-letter topic.", labels=["topic"]
        )
        read = GaugeMetricFamily(
            "vigie_lag_exporter_last_read_timestamp_seconds",
            "When the exporter last read the groups from Kafka (unix time).",
            value=snapshot.taken_at,
        )
        for group in snapshot.groups:
            members.add_metric([group.group], group.members)
            for lag in group.partitions:
                key = [group.group, lag.offsets.topic, str(lag.offsets.partition)]
                messages.add_metric(key, lag.messages)
                if lag.seconds is not None:
                    seconds.add_metric(key, lag.seconds)
        for topic in snapshot.dead_letters:
            depth.add_metric([topic.topic], topic.depth)
        yield from (messages, seconds, members, depth, read)


async def keep_reading(
    collector: LagCollector,
    bootstrap: str,
    topic_prefix: str,
    interval: float,
    errors: Counter,
) -> None:
    """Refresh the collector's snapshot every `interval` seconds, forever; a failed read is
    logged and counted, and the last good snapshot stays (its read time shows its age)."""
    while True:
        try:
            collector.snapshot = await read_snapshot(bootstrap, topic_prefix)
        except Exception as exc:  # any broker failure: keep serving, retry at the next tick
            errors.inc()
            log.warning("lag_read_failed", error=repr(exc))
        await asyncio.sleep(interval)


def serve(
    bootstrap: str,
    *,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    topic_prefix: str = "",
    interval: float = DEFAULT_INTERVAL,
    registry: CollectorRegistry = REGISTRY,
) -> None:
    """Serve /metrics on host:port and read Kafka until interrupted."""
    collector = LagCollector()
    registry.register(collector)
    errors = Counter(
        "vigie_lag_exporter_read_errors",
        "Reads of the consumer groups that failed.",
        registry=registry,
    )
    start_http_server(port, addr=host, registry=registry)
    log.info("lag_exporter_started", host=host, port=port, topic_prefix=topic_prefix)
    asyncio.run(keep_reading(collector, bootstrap, topic_prefix, interval, errors))
