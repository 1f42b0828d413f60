"""Where the dev stack keeps its files and which ports it uses.

Everything the stack downloads, builds or stores lives under one folder, the *stack dir*
(``VIGIE_STACK_DIR``, default ``.vigie`` in the current directory), so that removing that
folder resets the machine and nothing leaks into the source tree.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"


def _port(var: str, default: int) -> int:
    raw = os.environ.get(var, "").strip()
    if not raw:
        return default
    port = int(raw)
    if not 0 < port < 65536:
        raise ValueError(f"{var}={raw} is not a TCP port")
    return port


@dataclass(frozen=True)
class StackConfig:
    """Locations and ports of one dev stack; build it with :meth:`from_env`."""

    stack_dir: Path
    kafka_port: int = 9092
    kafka_controller_port: int = 9093
    mongo_port: int = 27017
    smtp_port: int = 1025
    mail_http_port: int = 8025
    # Started by `up --with monitoring` / `--with tracing` only.
    prometheus_port: int = 9090
    exporter_port: int = 9308
    zipkin_port: int = 9411
    host: str = HOST

    @classmethod
    def from_env(cls) -> StackConfig:
        # Resolved once: the pid checks compare absolute paths in /proc/<pid>/cmdline.
        stack_dir = Path(os.environ.get("VIGIE_STACK_DIR") or ".vigie").resolve()
        return cls(
            stack_dir=stack_dir,
            kafka_port=_port("VIGIE_STACK_KAFKA_PORT", 9092),
            kafka_controller_port=_port("VIGIE_STACK_KAFKA_CONTROLLER_PORT", 9093),
            mongo_port=_port("VIGIE_STACK_MONGO_PORT", 27017),
            smtp_port=_port("VIGIE_STACK_SMTP_PORT", 1025),
            mail_http_port=_port("VIGIE_STACK_MAIL_HTTP_PORT", 8025),
            prometheus_port=_port("VIGIE_STACK_PROMETHEUS_PORT", 9090),
            exporter_port=_port("VIGIE_STACK_EXPORTER_PORT", 9308),
            zipkin_port=_port("VIGIE_STACK_ZIPKIN_PORT", 9411),
        )

    @property
    def run_dir(self) -> Path:
        """Pidfiles and the lock file."""
        return self.stack_dir / "run"

    @property
    def logs_dir(self) -> Path:
        """stdout/stderr of every process the stack starts, and of install steps."""
        return self.stack_dir / "logs"

    @property
    def monitoring_dir(self) -> Path:
        """Prometheus's config, rules, scrape targets (`targets/<job>.json`) and data."""
        return self.stack_dir / "monitoring"

    def scrape_targets(self, job: str) -> Path:
        """The file Prometheus reads `job`'s targets from (file_sd: re-read when it changes)."""
        return self.monitoring_dir / "targets" / f"{job}.json"

    @property
    def zipkin_url(self) -> str:
        return f"http://{self.host}:{self.zipkin_port}"

    @property
    def prometheus_url(self) -> str:
        return f"http://{self.host}:{self.prometheus_port}"

    @property
    def kafka_bootstrap(self) -> str:
        return f"{self.host}:{self.kafka_port}"

    @property
    def mongo_url(self) -> str:
        return f"mongodb://{self.host}:{self.mongo_port}/"

    @property
    def mail_api_url(self) -> str:
        return f"http://{self.host}:{self.mail_http_port}"
