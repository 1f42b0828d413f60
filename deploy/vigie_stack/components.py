"""The three servers of the dev stack: how each is installed, started, probed and wiped.

Downloads and builds (Kafka jars, the FerretDB binary) are kept by ``down --wipe``; data,
generated config and logs are not.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar

from . import probes
from .config import StackConfig

Say = Callable[[str], None]

PACKAGE_DIR = Path(__file__).resolve().parent
KAFKA_VERSION = "4.1.1"  # must match <kafka.version> in kafka/pom.xml
FERRETDB_VERSION = "v1.24.2"  # must match the require line in ferretdb/go.mod


class InstallError(RuntimeError):
    """A download, build or setup step failed; ``log`` holds its output."""

    def __init__(self, message: str, log: Path | None = None) -> None:
        super().__init__(message)
        self.log = log


def _need(tool: str, hint: str) -> str:
    found = shutil.which(tool)
    if found is None:
        raise InstallError(f"`{tool}` is not on PATH: {hint}")
    return found


def run_step(
    cmd: Sequence[str],
    *,
    cwd: Path,
    log: Path,
    what: str,
    say: Say,
    env: dict[str, str] | None = None,
) -> None:
    """Run one install command with its output appended to log; say what it does and how long."""
    say(f"{what} …")
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with log.open("ab") as out:
        out.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} $ {' '.join(cmd)}\n".encode())
        out.flush()
        # The commands are built here from fixed arguments and paths, never from user input.
        code = subprocess.call(  # noqa: S603
            list(cmd), cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env
        )
    took = time.monotonic() - started
    if code != 0:
        raise InstallError(f"{what} failed (exit {code}) after {took:.1f}s", log)
    say(f"{what}: done in {took:.1f}s")


class Component(ABC):
    """One server of the stack, bound to a :class:`StackConfig`."""

    name: ClassVar[str]
    title: ClassVar[str]
    grace: ClassVar[float] = 10.0  # seconds between SIGTERM and SIGKILL

    def __init__(self, cfg: StackConfig) -> None:
        self.cfg = cfg
        # Log sizes when this object started the server: a failure report shows only
        # what this run wrote. Empty (whole files) for a server started earlier.
        self.log_offsets: dict[Path, int] = {}
        self.started_at: float | None = None  # time.monotonic() when this object started it

    @property
    def pidfile(self) -> Path:
        return self.cfg.run_dir / f"{self.name}.pid"

    @property
    def log(self) -> Path:
        """stdout/stderr of the server process."""
        return self.cfg.logs_dir / f"{self.name}.log"

    @property
    def install_log(self) -> Path:
        return self.cfg.logs_dir / f"{self.name}-install.log"

    def log_files(self) -> list[Path]:
        """Logs worth showing when the server does not come up."""
        return [self.log]

    def env(self) -> dict[str, str] | None:
        return None

    def cwd(self) -> Path:
        return self.cfg.stack_dir

    @abstractmethod
    def ports(self) -> list[int]:
        """Every port the server binds; the first one decides whether it "answers"."""

    @abstractmethod
    def address(self) -> str: ...

    @abstractmethod
    def markers(self) -> tuple[str, ...]:
        """Strings that /proc/<pid>/cmdline of our own server process contains."""

    @abstractmethod
    def prepare(self, say: Say) -> None:
        """Download, build and write config as needed; quick when all is in place."""

    def refresh(self, say: Say) -> None:  # noqa: B027 - optional hook: most have nothing to do
        """What `up` may update under a server that already runs (default: nothing)."""

    @abstractmethod
    def command(self) -> list[str]: ...

    @abstractmethod
    def probe(self) -> None:
        """Raise unless the server really answers."""

    @abstractmethod
    def data_paths(self) -> list[Path]:
        """What ``down --wipe`` deletes."""


class Kafka(Component):
    """Apache Kafka in KRaft mode, one node acting as broker and controller."""

    name = "kafka"
    title = f"Apache Kafka {KAFKA_VERSION}"
    grace = 30.0  # a clean shutdown flushes logs and closes the metadata quorum

    @property
    def home(self) -> Path:
        return self.cfg.stack_dir / "kafka"

    @property
    def libs(self) -> Path:
        return self.home / "libs"

    @property
    def properties(self) -> Path:
        return self.home / "server.properties"

    @property
    def data(self) -> Path:
        return self.home / "data"

    @property
    def server_log_dir(self) -> Path:
        return self.home / "logs"

    def ports(self) -> list[int]:
        return [self.cfg.kafka_port, self.cfg.kafka_controller_port]

    def address(self) -> str:
        return self.cfg.kafka_bootstrap

    def markers(self) -> tuple[str, ...]:
        return ("kafka.Kafka", str(self.properties))

    def log_files(self) -> list[Path]:
        return [self.log, self.server_log_dir / "server.log"]

    def data_paths(self) -> list[Path]:
        return [self.data, self.server_log_dir, self.properties, self.log]

    def prepare(self, say: Say) -> None:
        _need("java", "Kafka 4 needs Java 17+ (apt-get install openjdk-17-jre-headless)")
        self._install_libs(say)
        self._write_properties()
        self._format_storage(say)

    def refresh(self, say: Say) -> None:
        # A running broker keeps its jars open; new ones (the kafka-tools jar added to the pom)
        # are for the tools run beside it, and for the broker at its next start.
        self._install_libs(say)

    def tool_command(self, main_class: str, *args: str) -> list[str]:
        """A Kafka command-line tool on the stack's jars, e.g.
        `org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --list` (the class that the
        release's bin/kafka-consumer-groups.sh runs); its logs go to stderr at WARN."""
        return [
            "java",
            f"-Dlog4j2.configurationFile={PACKAGE_DIR / 'kafka' / 'tools-log4j2.properties'}",
            "-cp",
            str(self.libs / "*"),
            main_class,
            "--bootstrap-server",
            self.cfg.kafka_bootstrap,
            *args,
        ]

    def _libs_stamp(self) -> str:
        pom = PACKAGE_DIR / "kafka" / "pom.xml"
        text = pom.read_text()
        pinned = re.search(r"<kafka\.version>([^<]+)</kafka\.version>", text)
        if pinned is None or pinned.group(1) != KAFKA_VERSION:
            raise InstallError(f"kafka/pom.xml does not pin Kafka {KAFKA_VERSION}")
        # The pom's hash, so that editing it (e.g. a new log4j) refreshes the jars.
        return f"kafka {KAFKA_VERSION} pom-sha256 {hashlib.sha256(text.encode()).hexdigest()}\n"

    def _install_libs(self, say: Say) -> None:
        stamp = self._libs_stamp()
        marker = self.libs / ".vigie-complete"
        if marker.is_file() and marker.read_text() == stamp:
            return
        mvn = _need("mvn", "Maven fetches Kafka from Maven Central (apt-get install maven)")
        staging = self.home / "libs.partial"
        shutil.rmtree(staging, ignore_errors=True)
        pom = PACKAGE_DIR / "kafka" / "pom.xml"
        cmd = [
            mvn,
            "-q",
            "-B",
            "-f",
            str(pom),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={staging}",
        ]
        what = (
            f"kafka: fetching {self.title} jars from Maven Central"
            " (mvn dependency:copy-dependencies)"
        )
        run_step(cmd, cwd=self.cfg.stack_dir, log=self.install_log, what=what, say=say)
        # Swap in whole, so an interrupted download never looks complete; two renames, so a
        # broker running on these jars (see `refresh`) never finds the folder missing for long.
        previous = self.home / "libs.previous"
        shutil.rmtree(previous, ignore_errors=True)
        if self.libs.exists():
            self.libs.replace(previous)
        staging.replace(self.libs)
        shutil.rmtree(previous, ignore_errors=True)
        marker.write_text(stamp)

    def _write_properties(self) -> None:
        # Rewritten at every start so that a port override takes effect.
        host, port, ctl = self.cfg.host, self.cfg.kafka_port, self.cfg.kafka_controller_port
        settings = {
            "process.roles": "broker,controller",
            "node.id": "1",
            # Static voters: StorageTool `format` then needs no --standalone flag.
            "controller.quorum.voters": f"1@{host}:{ctl}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listeners": f"PLAINTEXT://{host}:{port},CONTROLLER://{host}:{ctl}",
            "advertised.listeners": f"PLAINTEXT://{host}:{port}",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs": str(self.data),
            # One node: every internal topic must live with a single replica.
            "offsets.topic.replication.factor": "1",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "default.replication.factor": "1",
            "min.insync.replicas": "1",
            # Consumers in tests join at once instead of after the default 3 s delay.
            "group.initial.rebalance.delay.ms": "0",
            "num.partitions": "3",
            "auto.create.topics.enable": "true",
        }
        self.home.mkdir(parents=True, exist_ok=True)
        lines = ["# Generated by vigie_stack at every start; edits are lost."]
        lines += [f"{key}={value}" for key, value in settings.items()]
        self.properties.write_text("\n".join(lines) + "\n")

    def _java_base(self) -> list[str]:
        return [
            "java",
            f"-Dlog4j2.configurationFile={PACKAGE_DIR / 'kafka' / 'log4j2.properties'}",
            f"-Dkafka.logs.dir={self.server_log_dir}",
            "-cp",
            str(self.libs / "*"),  # expanded by java itself, not by a shell
        ]

    def _format_storage(self, say: Say) -> None:
        if (self.data / "meta.properties").is_file():
            return
        cmd = [
            *self._java_base(),
            "kafka.tools.StorageTool",
            "format",
            "-t",
            _kafka_cluster_id(),
            "-c",
            str(self.properties),
            "-g",
        ]
        what = "kafka: formatting KRaft storage (kafka.tools.StorageTool format)"
        run_step(cmd, cwd=self.home, log=self.install_log, what=what, say=say)

    def cwd(self) -> Path:
        return self.home  # where a JVM crash file would land

    def command(self) -> list[str]:
        base = self._java_base()
        # 1 GiB: a dev stack that lives for days holds thousands of partitions (512 MiB ran out).
        heap = ["-Xms256m", "-Xmx1g", "-XX:+UseG1GC", "-Djava.awt.headless=true"]
        return [base[0], *heap, *base[1:], "kafka.Kafka", str(self.properties)]

    def probe(self) -> None:
        probes.kafka(self.cfg.kafka_bootstrap)


def _kafka_cluster_id() -> str:
    """A random Kafka Uuid in its string form (url-safe base64, no padding), as
    `StorageTool random-uuid` prints, without paying for a JVM start."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):  # Kafka avoids these: they read as CLI flags
            return text


class Mongo(Component):
    """FerretDB (MongoDB wire protocol) over SQLite, built from ferretdb/main.go."""

    name = "mongo"
    title = f"FerretDB {FERRETDB_VERSION}"

    @property
    def source(self) -> Path:
        return PACKAGE_DIR / "ferretdb"

    @property
    def binary(self) -> Path:
        return self.cfg.stack_dir / "bin" / "ferretdb"

    @property
    def data(self) -> Path:
        return self.cfg.stack_dir / "mongo" / "data"

    def ports(self) -> list[int]:
        return [self.cfg.mongo_port]

    def address(self) -> str:
        return f"{self.cfg.host}:{self.cfg.mongo_port}"

    def markers(self) -> tuple[str, ...]:
        return (str(self.binary), str(self.data))

    def data_paths(self) -> list[Path]:
        return [self.cfg.stack_dir / "mongo", self.log]

    @property
    def patches(self) -> list[Path]:
        """Changes to upstream FerretDB, each a patch file saying why (see ferretdb/*.patch)."""
        return sorted(self.source.glob("*.patch"))

    @property
    def build_dir(self) -> Path:
        return self.cfg.stack_dir / "build" / "ferretdb"

    def _built(self) -> bool:
        if not self.binary.is_file():
            return False
        sources = [self.source / name for name in ("main.go", "go.mod", "go.sum")]
        sources += self.patches
        newest = max(path.stat().st_mtime for path in sources)
        return self.binary.stat().st_mtime > newest

    def prepare(self, say: Say) -> None:
        self.data.mkdir(parents=True, exist_ok=True)
        if self._built():
            return
        go = _need("go", "FerretDB is built from source with the Go toolchain")
        self._patched_tree(go, say)
        self.binary.parent.mkdir(parents=True, exist_ok=True)
        partial = self.binary.with_name("ferretdb.partial")
        cmd = [go, "build", "-trimpath", "-buildvcs=false", "-o", str(partial), "."]
        what = f"mongo: building {self.title} (go build, about a minute the first time)"
        run_step(cmd, cwd=self.build_dir, log=self.install_log, what=what, say=say)
        partial.replace(self.binary)  # a half-written binary must never look built

    def _patched_tree(self, go: str, say: Say) -> None:
        """The build folder: our main module, and upstream FerretDB from the Go module proxy with
        our patches applied, put in place by a `replace` directive."""
        shutil.rmtree(self.build_dir, ignore_errors=True)
        self.build_dir.mkdir(parents=True)
        for name in ("main.go", "go.mod", "go.sum"):
            shutil.copy2(self.source / name, self.build_dir / name)
        module = f"github.com/FerretDB/FerretDB@{FERRETDB_VERSION}"
        log, cwd = self.install_log, self.build_dir
        what = "mongo: fetching FerretDB from the Go module proxy"
        run_step([go, "mod", "download", module], cwd=cwd, log=log, what=what, say=say)
        found = subprocess.run(  # noqa: S603 - fixed arguments
            [go, "list", "-m", "-f", "{{.Dir}}", module], cwd=cwd, capture_output=True, text=True
        )
        if found.returncode != 0 or not found.stdout.strip():
            raise InstallError(f"`go list -m {module}` failed: {found.stderr.strip()}", log)
        upstream = self.build_dir / "FerretDB"
        shutil.copytree(found.stdout.strip(), upstream)
        for path in upstream.rglob("*"):  # the module cache is read-only
            path.chmod(path.stat().st_mode | 0o200)
        upstream.chmod(upstream.stat().st_mode | 0o200)
        git = _need("git", "FerretDB's patches are applied with `git apply`")
        # Outside any repository (the stack dir may sit in a clone), `git apply` acts as `patch`.
        alone = {**os.environ, "GIT_CEILING_DIRECTORIES": str(upstream.parent)}
        for patch in self.patches:
            what = f"mongo: applying {patch.name}"
            cmd = [git, "apply", "--verbose", str(patch)]
            run_step(cmd, cwd=upstream, log=log, what=what, say=say, env=alone)
        replace = "-replace=github.com/FerretDB/FerretDB=./FerretDB"
        run_step([go, "mod", "edit", replace], cwd=cwd, log=log, what="mongo: using it", say=say)

    def command(self) -> list[str]:
        return [str(self.binary), "--listen-addr", self.address(), "--data-dir", str(self.data)]

    def probe(self) -> None:
        probes.mongo(self.cfg.mongo_url)


class Mail(Component):
    """SMTP capture server with an HTTP API to read what it caught (vigie_stack.mailsink)."""

    name = "mail"
    title = "mail sink"

    @property
    def maildir(self) -> Path:
        return self.cfg.stack_dir / "mail"

    def ports(self) -> list[int]:
        return [self.cfg.smtp_port, self.cfg.mail_http_port]

    def address(self) -> str:
        return f"{self.cfg.host}:{self.cfg.smtp_port}, {self.cfg.mail_api_url}"

    def markers(self) -> tuple[str, ...]:
        return ("vigie_stack.mailsink", str(self.maildir))

    def data_paths(self) -> list[Path]:
        return [self.maildir, self.log]

    def prepare(self, say: Say) -> None:
        self.maildir.mkdir(parents=True, exist_ok=True)

    def env(self) -> dict[str, str]:
        # The package is not installed: put its parent folder on the child's import path.
        env = dict(os.environ)
        parts = [str(PACKAGE_DIR.parent), env.get("PYTHONPATH", "")]
        env["PYTHONPATH"] = os.pathsep.join(part for part in parts if part)
        return env

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "vigie_stack.mailsink",
            "--host",
            self.cfg.host,
            "--smtp-port",
            str(self.cfg.smtp_port),
            "--http-port",
            str(self.cfg.mail_http_port),
            "--dir",
            str(self.maildir),
        ]

    def probe(self) -> None:
        probes.smtp(self.cfg.host, self.cfg.smtp_port)
        # A cheap request (an unknown message: 404 at once), not the listing: listing hundreds
        # of captured messages is slow, and probes that time out pile up work in the sink.
        probes.http_answers(f"{self.cfg.mail_api_url}/api/messages/readiness-probe")


COMPONENT_TYPES: dict[str, type[Component]] = {cls.name: cls for cls in (Kafka, Mongo, Mail)}
NAMES: tuple[str, ...] = tuple(COMPONENT_TYPES)
