"""Vigie's own three services run as background processes beside the local stack.

Started by `vigie services up` (and by `vigie demo`), stopped by `vigie services down` or
`vigie stack down`, with pidfiles and logs in the stack dir like the servers.

Replicas: `--replicas matcher=3` runs three matcher processes. They share the service's
consumer group (one `VIGIE_<SERVICE>_GROUP_ID`), so Kafka spreads the partitions between them.
Replica 0 is the service as `vigie demo` starts it (`run/service-matcher.pid`,
`logs/service-matcher.log`); replica i > 0 has `service-matcher-<i>.pid` / `.log`. A service
that listens on HTTP gets, for replica i, the port its setting names plus 10 × i (ingest 8080,
8090…; matcher 8081, 8091…): the default ports of the three services sit side by side, so a step
of one would put ingest's second replica on the matcher's port.

Each listens where its settings say (`VIGIE_INGEST_HOST/PORT`, `VIGIE_MATCHER_HOST/PORT`,
`VIGIE_NOTIFIER_HOST/PORT`); a port another process holds is reported, naming it, and nothing
is started.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from ingest.settings import IngestSettings
from matcher.settings import MatcherSettings
from notifier.settings import NotifierSettings
from shared.ports import PortTakenError, listen
from shared.settings import CommonSettings
from vigie.service_health import probe
from vigie_stack import procs
from vigie_stack.config import StackConfig
from vigie_stack.monitoring import write_targets

SERVICES = ("ingest", "matcher", "notifier")
GRACE_SECONDS = 20.0
MAX_REPLICAS = 16
_SETTINGS: dict[str, type[CommonSettings]] = {
    "ingest": IngestSettings,
    "matcher": MatcherSettings,
    "notifier": NotifierSettings,
}


# Replica i listens on its service's port + 10 i: the default ports sit side by side (8080-8082).
REPLICA_PORT_STEP = 10


@dataclass(frozen=True)
class Listener:
    """Where a service listens, and the setting that chose the port."""

    host: str
    port: int
    setting: str

    @property
    def url(self) -> str:
        """The base URL a client on this machine reaches it at (a wildcard means loopback)."""
        wildcards = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}  # noqa: S104 - names a bind-all address to map it to loopback, binds nothing
        host = wildcards.get(self.host, self.host)
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    def of_replica(self, index: int) -> Listener:
        """Replica `index` listens on the base port plus `REPLICA_PORT_STEP` times its index."""
        return Listener(self.host, self.port + REPLICA_PORT_STEP * index, self.setting)


def listeners(env: Mapping[str, str]) -> dict[str, Listener]:
    """Each listening service's address from the `VIGIE_` settings in `env` (a service whose
    settings name no port, as the matcher before it served HTTP, is left out)."""
    found = {}
    for name, settings_type in _SETTINGS.items():
        fields = settings_type.model_fields
        host_field, port_field = f"{name}_host", f"{name}_port"
        if port_field not in fields:
            continue
        values = {
            f: env[f"VIGIE_{f.upper()}"]
            for f in (host_field, port_field)
            if f"VIGIE_{f.upper()}" in env
        }
        # Validated as the services will validate them; other settings are theirs to check.
        settings = settings_type.model_validate(values)
        host = str(getattr(settings, host_field, "127.0.0.1"))
        port = int(getattr(settings, port_field))
        found[name] = Listener(host, port, f"VIGIE_{port_field.upper()}")
    return found


def parse_replicas(text: str | None) -> dict[str, int]:
    """`ingest=2,matcher=3` → {"ingest": 2, "matcher": 3}; ValueError naming what is wrong."""
    counts: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        name, sep, count = part.partition("=")
        if not sep or name.strip() not in SERVICES:
            raise ValueError(f"{part!r}: expected SERVICE=N with SERVICE one of {SERVICES}")
        if not count.strip().isdigit() or not 1 <= int(count) <= MAX_REPLICAS:
            raise ValueError(f"{part!r}: N must be a whole number from 1 to {MAX_REPLICAS}")
        counts[name.strip()] = int(count)
    return counts


@dataclass(frozen=True)
class ServiceProcess:
    name: str  # the service: ingest, matcher or notifier
    pid: int | None
    started: bool
    log: Path
    # Why it was not started, when it was not (its port is taken).
    problem: str | None = None
    replica: int = 0
    listener: Listener | None = None

    @property
    def label(self) -> str:
        return replica_label(self.name, self.replica)


def replica_label(name: str, replica: int) -> str:
    """`matcher` for replica 0, `matcher-2` for replica 2: how output and file names say it."""
    return name if replica == 0 else f"{name}-{replica}"


def _stem(name: str, replica: int) -> str:
    return f"service-{replica_label(name, replica)}"


def _pidfile(config: StackConfig, name: str, replica: int = 0) -> Path:
    return config.run_dir / f"{_stem(name, replica)}.pid"


def _log(config: StackConfig, name: str, replica: int = 0) -> Path:
    return config.logs_dir / f"{_stem(name, replica)}.log"


def _markers(name: str) -> list[str]:
    return ["-m", name]


def running(config: StackConfig, name: str, replica: int = 0) -> int | None:
    return procs.owned_pid(_pidfile(config, name, replica), _markers(name))


def replicas_with_pidfiles(config: StackConfig, name: str) -> list[int]:
    """The replica indexes that have a pidfile (running or not), in order."""
    pattern = re.compile(rf"service-{name}(?:-(\d+))?\.pid")
    found = []
    for path in config.run_dir.glob(f"service-{name}*.pid"):
        if matched := pattern.fullmatch(path.name):
            found.append(int(matched.group(1) or 0))
    return sorted(found)


def _port_problem(name: str, listener: Listener) -> str | None:
    """Why `listener`'s port cannot be used, if another process holds it."""
    try:
        listen(name, listener.host, listener.port, listener.setting).close()
    except PortTakenError as exc:
        return str(exc)
    return None


def dev_secret(config: StackConfig, name: str) -> str:
    """A secret made once for this local stack (kept in its folder), never a built-in one."""
    path = config.run_dir / f"dev-{name}"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


def operator_env(config: StackConfig, environ: Mapping[str, str]) -> dict[str, str]:
    """What `vigie services up` gives the services: each setting from the operator's
    environment when it is set there, else the local stack's address or dev secret."""
    notifier = listeners(environ)["notifier"]
    stack = {
        "VIGIE_KAFKA_BOOTSTRAP": config.kafka_bootstrap,
        "VIGIE_MONGODB_URL": f"{config.mongo_url.rstrip('/')}/vigie",
        "VIGIE_SMTP_HOST": config.host,
        "VIGIE_SMTP_PORT": str(config.smtp_port),
        "VIGIE_PUBLIC_BASE_URL": notifier.url,
    }
    secret_names = {
        "VIGIE_API_KEY_PEPPER": "api-key-pepper",
        "VIGIE_UNSUBSCRIBE_SIGNING_KEY": "unsubscribe-signing-key",
    }
    chosen = {var: environ.get(var) or value for var, value in stack.items()}
    for var, name in secret_names.items():
        chosen[var] = environ.get(var) or dev_secret(config, name)
    return chosen


@dataclass(frozen=True)
class _Plan:
    to_start: list[tuple[str, int]]
    to_stop: list[tuple[str, int, int]]  # name, replica, pid
    keep: list[ServiceProcess]


def _plan(
    config: StackConfig, replicas: Mapping[str, int], addresses: dict[str, Listener]
) -> _Plan:
    """Which replicas to start and stop so each service runs as many as asked; a service not
    in `replicas` keeps the replicas it runs and gets replica 0 if it runs none."""
    to_start, to_stop, keep = [], [], []
    for name in SERVICES:
        alive = {
            i: pid
            for i in replicas_with_pidfiles(config, name)
            if (pid := running(config, name, i))
        }
        wanted = replicas.get(name, max(1, max(alive, default=0) + 1))
        for index in range(wanted):
            pid = alive.get(index)
            listener = addresses[name].of_replica(index) if name in addresses else None
            if pid is None:
                to_start.append((name, index))
            else:
                keep.append(
                    ServiceProcess(
                        name, pid, False, _log(config, name, index), None, index, listener
                    )
                )
        to_stop += [(name, i, pid) for i, pid in alive.items() if i >= wanted]
    return _Plan(to_start, to_stop, keep)


def start_services(
    config: StackConfig,
    env: Mapping[str, str] | None = None,
    replicas: Mapping[str, int] | None = None,
) -> list[ServiceProcess]:
    """Start the replicas not already running, stop those beyond the counts asked; returns
    what runs now. Idempotent.

    When the port of a replica to start is taken by another process, nothing is started: that
    replica's `problem` names the port and the setting to change.
    """
    child_env = {**os.environ, "VIGIE_LOG_FORMAT": "json", **(env or {})}
    addresses = listeners(child_env)
    plan = _plan(config, replicas or {}, addresses)
    problems = {
        (name, index): problem
        for name, index in plan.to_start
        if name in addresses
        and (problem := _port_problem(name, addresses[name].of_replica(index))) is not None
    }
    if problems:
        return plan.keep + [
            ServiceProcess(
                name,
                None,
                False,
                _log(config, name, index),
                problems.get((name, index)),
                index,
                addresses[name].of_replica(index) if name in addresses else None,
            )
            for name, index in plan.to_start
        ]
    for name, index, pid in plan.to_stop:
        procs.stop(pid, GRACE_SECONDS)
        _pidfile(config, name, index).unlink(missing_ok=True)
    results = list(plan.keep)
    for name, index in plan.to_start:
        listener = addresses[name].of_replica(index) if name in addresses else None
        own = {listener.setting: str(listener.port)} if listener else {}
        pid = procs.spawn(
            [sys.executable, "-m", name],
            log=_log(config, name, index),
            pidfile=_pidfile(config, name, index),
            cwd=Path.cwd(),
            env={**child_env, **own},
        )
        results.append(
            ServiceProcess(name, pid, True, _log(config, name, index), None, index, listener)
        )
    results.sort(key=lambda s: (SERVICES.index(s.name), s.replica))
    _write_scrape_targets(config, results)
    return results


def _write_scrape_targets(config: StackConfig, running: list[ServiceProcess]) -> None:
    """Tell the stack's Prometheus (`vigie stack up --with monitoring`) every replica to
    scrape; it re-reads these files by itself."""
    for name in SERVICES:
        addresses = [
            (s.listener.url.removeprefix("http://"), {"service": name, "replica": str(s.replica)})
            for s in running
            if s.name == name and s.listener is not None
        ]
        write_targets(config.scrape_targets(name), addresses)


def _answers(name: str, listener: Listener) -> bool:
    """Ready: `/health/ready` answers 200. A build without it (404) counts once it answers
    HTTP (ingest's `/health`) or accepts connections."""
    health = probe(listener.url)
    if health.ready.ok is not None:
        return health.ready.ok
    if name == "ingest":
        try:
            return httpx.get(f"{listener.url}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False
    host = listener.url.removeprefix("http://").rsplit(":", 1)[0].strip("[]")
    try:
        with socket.create_connection((host, listener.port), timeout=1):
            return True
    except OSError:
        return False


def wait_until_ready(
    config: StackConfig,
    services: list[ServiceProcess],
    env: Mapping[str, str],
    timeout: float = 60.0,
) -> None:
    """Until every replica runs and the listening ones are ready at their address.

    RuntimeError naming the replica otherwise: one that exited (with its log's last lines),
    one that is not ready within `timeout` seconds.
    """
    addresses = listeners({**os.environ, **env})
    waiting = {(s.name, s.replica) for s in services}
    deadline = time.monotonic() + timeout
    while waiting:
        for name, index in sorted(waiting):
            if running(config, name, index) is None:
                tail = "\n".join(log_tail(config, name, 15, index))
                label = replica_label(name, index)
                raise RuntimeError(f"{label} exited while starting; its log ends:\n{tail}")
            if name not in addresses or _answers(name, addresses[name].of_replica(index)):
                waiting.discard((name, index))
        if not waiting:
            return
        if time.monotonic() > deadline:
            where = ", ".join(
                f"{replica_label(n, i)} at {addresses[n].of_replica(i).url}"
                for n, i in sorted(waiting)
                if n in addresses
            )
            raise RuntimeError(f"not ready within {timeout:.0f}s: {where}")
        time.sleep(0.3)


def wait_for_ingest(url: str, timeout: float = 60.0) -> None:
    """Until ingest answers its health check at `url`; RuntimeError with the reason otherwise."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError as exc:
            last = repr(exc)
        time.sleep(0.3)
    raise RuntimeError(f"ingest did not answer at {url} within {timeout:.0f}s: {last}")


def stop_services(config: StackConfig) -> list[str]:
    """Stop every replica of every service; returns the labels of those that ran."""
    stopped = []
    for name in reversed(SERVICES):
        for index in reversed(replicas_with_pidfiles(config, name)):
            pid = running(config, name, index)
            if pid is not None:
                procs.stop(pid, GRACE_SECONDS)
                stopped.append(replica_label(name, index))
            _pidfile(config, name, index).unlink(missing_ok=True)
    return stopped


def replica_states(config: StackConfig, env: Mapping[str, str]) -> list[ServiceProcess]:
    """Each replica with a pidfile in the stack dir (replica 0 of each service always), its pid
    while it runs and the address it listens at."""
    addresses = listeners(env)
    states = []
    for name in SERVICES:
        for index in sorted({0, *replicas_with_pidfiles(config, name)}):
            listener = addresses[name].of_replica(index) if name in addresses else None
            pid = running(config, name, index)
            log = _log(config, name, index)
            states.append(ServiceProcess(name, pid, False, log, None, index, listener))
    return states


def log_tail(config: StackConfig, name: str, lines: int = 30, replica: int = 0) -> list[str]:
    try:
        return _log(config, name, replica).read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return []
