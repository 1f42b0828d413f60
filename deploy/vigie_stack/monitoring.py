"""What `vigie stack up --with monitoring` and `--with tracing` add to the stack.

- `exporter`: Vigie's own consumer-lag exporter (`vigie ops exporter`) on the stack's Kafka.
- `prometheus`: Debian's `prometheus` (installed by deploy/scripts/setup.sh), with the config and
  alert rules of `deploy/monitoring/`. It scrapes each job's targets from
  `<stack dir>/monitoring/targets/<job>.json` (file_sd), which `vigie services up` rewrites with
  every replica it runs and Prometheus re-reads on change: scaling needs no restart.
- `zipkin`: the `io.zipkin:zipkin-server` exec jar from Maven Central, run with `java -jar`,
  spans kept in memory.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

from . import probes
from .components import PACKAGE_DIR, Component, InstallError, Say, _need, run_step

MONITORING_DIR = PACKAGE_DIR.parent / "monitoring"  # deploy/monitoring
PROMETHEUS_CONFIG = MONITORING_DIR / "prometheus.yml"
ALERT_RULES = MONITORING_DIR / "alerts.yml"
ZIPKIN_VERSION = "3.5.1"
MAVEN_DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
SERVICE_JOBS = ("ingest", "matcher", "notifier")


def write_targets(path: Path, addresses: list[tuple[str, dict[str, str]]]) -> None:
    """A file_sd target file: each `host:port` with its labels. Written whole then renamed, so
    Prometheus never reads half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    groups = [{"targets": [address], "labels": labels} for address, labels in addresses]
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(groups, indent=2) + "\n")
    partial.replace(path)


class LagExporter(Component):
    """`vigie ops exporter` on the stack's Kafka (all topics unless VIGIE_TOPIC_PREFIX says)."""

    name = "exporter"
    title = "Vigie lag exporter"

    @property
    def url(self) -> str:
        return f"http://{self.cfg.host}:{self.cfg.exporter_port}"

    def ports(self) -> list[int]:
        return [self.cfg.exporter_port]

    def address(self) -> str:
        return f"{self.url}/metrics"

    def markers(self) -> tuple[str, ...]:
        return ("vigie.cli", "exporter", f"--port={self.cfg.exporter_port}")

    def data_paths(self) -> list[Path]:
        return [self.log]

    def prepare(self, say: Say) -> None:
        """Nothing to install: it is this project's own command."""

    def env(self) -> dict[str, str]:
        return {**os.environ, "VIGIE_KAFKA_BOOTSTRAP": self.cfg.kafka_bootstrap}

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "vigie.cli",
            "ops",
            "exporter",
            f"--host={self.cfg.host}",
            f"--port={self.cfg.exporter_port}",
        ]

    def probe(self) -> None:
        probes.http_ok(f"{self.url}/metrics")


class Prometheus(Component):
    """Debian's Prometheus with Vigie's scrape jobs and alert rules."""

    name = "prometheus"
    title = "Prometheus"

    @property
    def home(self) -> Path:
        return self.cfg.monitoring_dir

    @property
    def config(self) -> Path:
        return self.home / "prometheus.yml"

    @property
    def data(self) -> Path:
        return self.home / "data"

    def ports(self) -> list[int]:
        return [self.cfg.prometheus_port]

    def address(self) -> str:
        return self.cfg.prometheus_url

    def markers(self) -> tuple[str, ...]:
        return ("prometheus", str(self.config))

    def data_paths(self) -> list[Path]:
        return [self.home, self.log]

    def prepare(self, say: Say) -> None:
        _need("prometheus", "apt-get install prometheus (deploy/scripts/setup.sh does it)")
        self.home.mkdir(parents=True, exist_ok=True)
        # Copied at every start: rule_files and file_sd paths are relative to the config.
        shutil.copy2(PROMETHEUS_CONFIG, self.config)
        shutil.copy2(ALERT_RULES, self.home / ALERT_RULES.name)
        host = self.cfg.host
        write_targets(
            self.cfg.scrape_targets("prometheus"), [(f"{host}:{self.cfg.prometheus_port}", {})]
        )
        write_targets(
            self.cfg.scrape_targets("lag-exporter"), [(f"{host}:{self.cfg.exporter_port}", {})]
        )
        for job in SERVICE_JOBS:  # `vigie services up` writes them; until then, none
            if not self.cfg.scrape_targets(job).exists():
                write_targets(self.cfg.scrape_targets(job), [])

    def command(self) -> list[str]:
        return [
            shutil.which("prometheus") or "prometheus",
            f"--config.file={self.config}",
            f"--storage.tsdb.path={self.data}",
            "--storage.tsdb.retention.time=7d",
            f"--web.listen-address={self.cfg.host}:{self.cfg.prometheus_port}",
        ]

    def probe(self) -> None:
        probes.http_ok(f"{self.cfg.prometheus_url}/-/ready")


class Zipkin(Component):
    """Zipkin's server, spans in memory (lost at each restart: a dev tool)."""

    name = "zipkin"
    title = f"Zipkin {ZIPKIN_VERSION}"

    @property
    def jar(self) -> Path:
        return self.cfg.stack_dir / "zipkin" / f"zipkin-server-{ZIPKIN_VERSION}-exec.jar"

    def ports(self) -> list[int]:
        return [self.cfg.zipkin_port]

    def address(self) -> str:
        return self.cfg.zipkin_url

    def markers(self) -> tuple[str, ...]:
        return (str(self.jar),)

    def data_paths(self) -> list[Path]:
        return [self.log]  # the jar is a download: kept

    def prepare(self, say: Say) -> None:
        _need("java", "Zipkin 3 needs Java 17+")
        if self.jar.is_file():
            return
        mvn = _need("mvn", "Maven fetches Zipkin from Maven Central (apt-get install maven)")
        staging = self.jar.parent / "partial"
        shutil.rmtree(staging, ignore_errors=True)
        cmd = [
            mvn,
            "-q",
            "-B",
            f"{MAVEN_DEPENDENCY_PLUGIN}:copy",
            f"-Dartifact=io.zipkin:zipkin-server:{ZIPKIN_VERSION}:jar:exec",
            f"-DoutputDirectory={staging}",
        ]
        what = f"zipkin: fetching {self.title} from Maven Central (mvn dependency:copy)"
        run_step(cmd, cwd=self.cfg.stack_dir, log=self.install_log, what=what, say=say)
        fetched = staging / self.jar.name
        if not fetched.is_file():
            raise InstallError(f"mvn did not leave {fetched.name}", self.install_log)
        fetched.replace(self.jar)  # a half-fetched jar must never look complete
        shutil.rmtree(staging, ignore_errors=True)

    def env(self) -> dict[str, str]:
        # Zipkin's own settings: its port and in-memory storage.
        return {**os.environ, "QUERY_PORT": str(self.cfg.zipkin_port), "STORAGE_TYPE": "mem"}

    def command(self) -> list[str]:
        # Armeria's own settings, as Spring Boot arguments: listen on the stack's host only.
        port = "--armeria.ports[0]"
        return [
            "java",
            "-Xms64m",
            "-Xmx256m",
            "-jar",
            str(self.jar),
            f"{port}.port={self.cfg.zipkin_port}",
            f"{port}.ip={self.cfg.host}",
            f"{port}.protocols=http",
        ]

    def probe(self) -> None:
        probes.http_ok(f"{self.cfg.zipkin_url}/health")


EXTRA_TYPES: dict[str, type[Component]] = {
    cls.name: cls for cls in (LagExporter, Prometheus, Zipkin)
}
EXTRAS: dict[str, tuple[str, ...]] = {
    "monitoring": (LagExporter.name, Prometheus.name),
    "tracing": (Zipkin.name,),
}
