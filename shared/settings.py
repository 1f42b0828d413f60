"""Settings common to every service; each service subclasses `CommonSettings` once.

All come from `VIGIE_`-prefixed environment variables with the defaults of DESIGN.md.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CommonSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VIGIE_", extra="ignore")

    kafka_bootstrap: str = "127.0.0.1:9092"
    mongodb_url: str = "mongodb://127.0.0.1:27017/vigie"
    # Prefixes every topic name; empty in production, unique per test run so runs never mix.
    topic_prefix: str = ""
    # Partitions of each topic Vigie creates (an existing topic keeps its count): the most
    # instances of one service that can share its work. See docs/SCALING.md.
    topic_partitions: int = Field(default=6, ge=1)
    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: str = "INFO"
    # /health/live turns red when a consume loop has not polled Kafka for this long (shared.health):
    # by default aiokafka's max_poll_interval_ms, after which Kafka too counts the member gone; a
    # handler retrying through a MongoDB outage stays live that long.
    liveness_bound_seconds: float = 300.0
    # Where spans go (shared.tracing): none, otlp (OTLP/HTTP) or zipkin; the endpoint defaults to
    # the exporter's local one.
    traces_exporter: Literal["none", "otlp", "zipkin"] = "none"
    traces_endpoint: str | None = None
    # With an exporter: the share of traces recorded (decided where a trace starts).
    traces_sample_ratio: float = Field(default=1.0, ge=0.0, le=1.0)

    def topic(self, name: str) -> str:
        return f"{self.topic_prefix}{name}"
