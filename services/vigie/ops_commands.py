"""`vigie ops …`: what an operator watches: the lag exporter and the one-screen status."""

from __future__ import annotations

from typing import Annotated

import typer

from shared.settings import CommonSettings
from vigie import lag_exporter

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
