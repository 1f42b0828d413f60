"""Vigie's own three services run as background processes beside the local stack.

They are started by `vigie demo` and stopped by `vigie stack down` (or
`vigie services down`), with pidfiles and logs in the stack dir like the servers. Each listens
where its settings say (`VIGIE_INGEST_HOST/PORT`, `VIGIE_NOTIFIER_HOST/PORT`); a port another
process holds is reported, naming it, and that service is not started.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from ingest.settings import IngestSettings
from notifier.settings import NotifierSettings
from shared.ports import PortTakenError, listen
from vigie_stack import procs
from vigie_stack.config import StackConfig

SERVICES = ("ingest", "matcher", "notifier")
GRACE_SECONDS = 20.0


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


def listeners(env: Mapping[str, str]) -> dict[str, Listener]:
    """Each listening service's address from the `VIGIE_` settings in `env`."""
    fields = ("ingest_host", "ingest_port", "notifier_host", "notifier_port")
    values = {f: env[f"VIGIE_{f.upper()}"] for f in fields if f"VIGIE_{f.upper()}" in env}
    # Validated as the services will validate them; other settings are theirs to check.
    ingest = IngestSettings.model_validate(values)
    notifier = NotifierSettings.model_validate(values)
    return {
        "ingest": Listener(ingest.ingest_host, ingest.ingest_port, "VIGIE_INGEST_PORT"),
        "notifier": Listener(notifier.notifier_host, notifier.notifier_port, "VIGIE_NOTIFIER_PORT"),
    }


@dataclass(frozen=True)
class ServiceProcess:
    name: str
    pid: int | None
    started: bool
    log: Path
    # Why it was not started, when it was not (its port is taken).
    problem: str | None = None


def _pidfile(config: StackConfig, name: str) -> Path:
    return config.run_dir / f"service-{name}.pid"


def _log(config: StackConfig, name: str) -> Path:
    return config.logs_dir / f"service-{name}.log"


def _markers(name: str) -> list[str]:
    return ["-m", name]


def running(config: StackConfig, name: str) -> int | None:
    return procs.owned_pid(_pidfile(config, name), _markers(name))


def _port_problem(name: str, listener: Listener) -> str | None:
    """Why `listener`'s port cannot be used, if another process holds it."""
    try:
        listen(name, listener.host, listener.port, listener.setting).close()
    except PortTakenError as exc:
        return str(exc)
    return None


def start_services(config: StackConfig, env: dict[str, str] | None = None) -> list[ServiceProcess]:
    """Start each service not already running; returns what runs now. Idempotent.

    When the port of a service to start is taken by another process, none is started: that
    service's `problem` names the port and the setting to change.
    """
    child_env = {**os.environ, "VIGIE_LOG_FORMAT": "json", **(env or {})}
    addresses = listeners(child_env)
    pids = {name: running(config, name) for name in SERVICES}
    problems = {
        name: problem
        for name, listener in addresses.items()
        if pids[name] is None and (problem := _port_problem(name, listener)) is not None
    }
    if problems:
        return [
            ServiceProcess(name, pids[name], False, _log(config, name), problems.get(name))
            for name in SERVICES
        ]
    results = []
    for name in SERVICES:
        pid = pids[name]
        if pid is not None:
            results.append(ServiceProcess(name, pid, False, _log(config, name)))
            continue
        pid = procs.spawn(
            [sys.executable, "-m", name],
            log=_log(config, name),
            pidfile=_pidfile(config, name),
            cwd=Path.cwd(),
            env=child_env,
        )
        results.append(ServiceProcess(name, pid, True, _log(config, name)))
    return results


def _answers(name: str, listener: Listener) -> bool:
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
    """Until every service runs and the listening ones answer at their configured address.

    RuntimeError naming the service otherwise: one that exited (with its log's last lines),
    one that does not answer within `timeout` seconds.
    """
    addresses = listeners({**os.environ, **env})
    waiting = {s.name for s in services}
    deadline = time.monotonic() + timeout
    while waiting:
        for name in sorted(waiting):
            if running(config, name) is None:
                tail = "\n".join(log_tail(config, name, 15))
                raise RuntimeError(f"{name} exited while starting; its log ends:\n{tail}")
            if name not in addresses or _answers(name, addresses[name]):
                waiting.discard(name)
        if not waiting:
            return
        if time.monotonic() > deadline:
            where = ", ".join(
                f"{n} at {addresses[n].url}" for n in sorted(waiting) if n in addresses
            )
            raise RuntimeError(f"not answering within {timeout:.0f}s: {where}")
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
    stopped = []
    for name in reversed(SERVICES):
        pid = running(config, name)
        if pid is not None:
            procs.stop(pid, GRACE_SECONDS)
            stopped.append(name)
        _pidfile(config, name).unlink(missing_ok=True)
    return stopped


def log_tail(config: StackConfig, name: str, lines: int = 30) -> list[str]:
    try:
        return _log(config, name).read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return []
