"""Start, stop and inspect the local dev stack (Kafka, FerretDB, mail sink) without Docker.

Public API (``say`` receives one progress line at a time; it is silent by default):

- ``up(names=None, *, config=None, timeout=90.0, say=quiet) -> list[UpResult]``
- ``down(names=None, *, config=None, wipe=False, say=quiet) -> list[DownResult]``
- ``status(names=None, *, config=None) -> list[ComponentStatus]``
- ``wait_ready(component, *, config=None, timeout=90.0) -> None``
- ``ensure_up(names=None, *, config=None, timeout=90.0) -> None`` (for pytest fixtures)

``names`` picks components among ``NAMES`` (``kafka``, ``mongo``, ``mail``) and the extras
(``exporter``, ``prometheus``, ``zipkin``: see :mod:`vigie_stack.monitoring`); ``None`` means the
three servers for ``up`` and ``status`` (plus the extras that run, for ``status``), every one for
``down``. ``with_extras(names, ["monitoring", "tracing"])`` adds the extras' groups.
Only processes that ``up`` started (a pidfile whose process still has the expected command
line) are ever stopped; a server somebody else runs on the same port is used, never owned.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from . import procs
from .components import COMPONENT_TYPES, NAMES, Component, InstallError, Say
from .config import StackConfig
from .monitoring import EXTRA_TYPES, EXTRAS

__all__ = [
    "NAMES",
    "ComponentStatus",
    "DownResult",
    "StackConfig",
    "StackError",
    "UpResult",
    "down",
    "ensure_up",
    "quiet",
    "status",
    "up",
    "wait_ready",
    "with_extras",
]

ALL_TYPES: dict[str, type[Component]] = {**COMPONENT_TYPES, **EXTRA_TYPES}
ALL_NAMES: tuple[str, ...] = tuple(ALL_TYPES)

LOG_TAIL_LINES = 40
MAX_ERROR_LINES = 8
UNKNOWN_RUN_LINES = 500
ERROR_LINE = re.compile(r"\b(ERROR|FATAL|Caused by:)|level=ERROR")
POLL_INTERVAL = 0.3  # between readiness probes; each probe has its own short timeout
FOREIGN_PROBE_TIMEOUT = 10.0


class StackError(RuntimeError):
    """A component could not be brought up or is not ready."""


def quiet(_message: str) -> None:
    """The default ``say``: print nothing."""


@dataclass
class UpResult:
    name: str
    outcome: Literal["started", "running", "foreign", "failed"]
    message: str
    pid: int | None = None
    log_tail: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome != "failed"


@dataclass
class DownResult:
    name: str
    outcome: Literal["stopped", "killed", "not-running", "foreign"]
    message: str
    wiped: bool = False


@dataclass
class ComponentStatus:
    name: str
    title: str
    address: str
    answering: bool  # the main port accepts connections
    ready: bool  # the protocol-level probe passes
    pid: int | None  # pid of the process that `up` started, if it is still alive
    owned: bool

    @property
    def state(self) -> str:
        if self.ready:
            return "answering"
        if self.answering:
            return "port open, not answering"
        return "starting" if self.owned else "not answering"


def with_extras(names: Iterable[str] | None, extras: Iterable[str]) -> list[str] | None:
    """`names` (None: the three servers) and the components of each extra group named."""
    chosen = list(extras)
    unknown = [extra for extra in chosen if extra not in EXTRAS]
    if unknown:
        raise ValueError(f"unknown extra(s) {unknown}; choose among {list(EXTRAS)}")
    if not chosen:
        return list(names) if names else None
    return [*(names or NAMES), *(name for extra in chosen for name in EXTRAS[extra])]


def _select(
    names: Iterable[str] | None, cfg: StackConfig, default: Iterable[str] = NAMES
) -> list[Component]:
    wanted = list(dict.fromkeys(names)) if names else list(default)
    unknown = [name for name in wanted if name not in ALL_TYPES]
    if unknown:
        raise ValueError(f"unknown component(s) {unknown}; choose among {list(ALL_NAMES)}")
    # Always in ALL_NAMES order: Kafka first (its JVM boots while FerretDB builds), the
    # exporter and Prometheus after the servers they watch.
    return [ALL_TYPES[name](cfg) for name in ALL_NAMES if name in wanted]


def _owned(comp: Component) -> int | None:
    return procs.owned_pid(comp.pidfile, comp.markers())


def _log_offsets(comp: Component) -> dict[Path, int]:
    return {path: procs.size(path) for path in [comp.install_log, *comp.log_files()]}


def _log_tail(comp: Component, offsets: dict[Path, int], install: bool = False) -> list[str]:
    """What this run wrote to the component's logs: its first error lines (a JVM's root
    cause is followed by pages of shutdown noise), then its last lines."""
    files = [comp.install_log] if install else comp.log_files()
    out: list[str] = []
    for path in files:
        lines = procs.read_from(path, offsets.get(path, 0))
        if path not in offsets:  # a server started earlier: only its recent past matters
            lines = lines[-UNKNOWN_RUN_LINES:]
        errors = [line for line in lines if ERROR_LINE.search(line)][:MAX_ERROR_LINES]
        if errors:
            out.append(f"--- first error lines in {path}")
            out.extend(errors)
        if lines:
            out.append(f"--- last lines of {path}")
            out.extend(lines[-LOG_TAIL_LINES:])
    return out


def _poll_ready(comp: Component, pid: int | None, timeout: float) -> str | None:
    """Probe until ready; an error message on timeout or when the process died, else None."""
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    while True:
        if pid is not None and not procs.alive(pid):
            code = procs.exit_code(pid)
            return f"the process exited (code {code}) before answering"
        try:
            comp.probe()
            return None
        # Any failure (refused, timeout, protocol error) only means "not ready yet".
        except Exception as exc:
            last = f"{type(exc).__name__}: {exc}"[:300]  # pymongo's can fill a screen
        if time.monotonic() >= deadline:
            return f"not answering after {timeout:.0f}s (last probe: {last})"
        time.sleep(POLL_INTERVAL)


def _adopt_foreign(comp: Component, say: Say) -> UpResult:
    """The port answers and the process is not ours: use it if it speaks the protocol."""
    comp.pidfile.unlink(missing_ok=True)  # a stale pidfile must not point at a reused pid
    error = _poll_ready(comp, None, FOREIGN_PROBE_TIMEOUT)
    if error is not None:
        port = comp.ports()[0]
        msg = f"port {port} is taken by something that does not answer like {comp.title}: {error}"
        say(f"{comp.name}: FAILED: {msg}")
        return UpResult(comp.name, "failed", msg)
    msg = f"already running at {comp.address()} (not started by vigie stack: left alone)"
    say(f"{comp.name}: {msg}")
    return UpResult(comp.name, "foreign", msg)


def _launch(comp: Component, say: Say) -> UpResult | tuple[int, bool]:
    """Install/build if needed and start the server; its pid, or a failed result."""
    comp.pidfile.unlink(missing_ok=True)
    taken = [port for port in comp.ports()[1:] if procs.port_open(comp.cfg.host, port)]
    if taken:  # say it plainly rather than after a failed start
        msg = f"port(s) {taken} already in use by another process; {comp.title} needs them"
        say(f"{comp.name}: FAILED: {msg}")
        return UpResult(comp.name, "failed", msg)
    comp.log_offsets = _log_offsets(comp)
    try:
        comp.prepare(say)
    except InstallError as exc:
        say(f"{comp.name}: FAILED: {exc}")
        tail = _log_tail(comp, comp.log_offsets, install=True) if exc.log else []
        return UpResult(comp.name, "failed", str(exc), log_tail=tail)
    pid = procs.spawn(
        comp.command(), log=comp.log, pidfile=comp.pidfile, cwd=comp.cwd(), env=comp.env()
    )
    comp.started_at = time.monotonic()
    say(f"{comp.name}: started {comp.title} (pid {pid}), waiting for it at {comp.address()}")
    return pid, True


def _begin(comp: Component, say: Say) -> UpResult | tuple[int, bool]:
    """First phase of `up` for one component: an immediate result, or the pid to wait for
    and whether this call started it."""
    pid = _owned(comp)
    if procs.port_open(comp.cfg.host, comp.ports()[0]):
        if pid is None:
            return _adopt_foreign(comp, say)
        say(f"{comp.name}: already running at {comp.address()} (pid {pid}, started by vigie stack)")
        try:
            comp.refresh(say)
        except InstallError as exc:  # the server runs as it is; say what could not be updated
            say(f"{comp.name}: could not update beside the running server: {exc}")
        return pid, False
    if pid is not None:
        say(f"{comp.name}: still starting (pid {pid}), waiting")
        return pid, False
    return _launch(comp, say)


def _finish(comp: Component, pid: int, started: bool, timeout: float, say: Say) -> UpResult:
    """Second phase: wait for readiness; a server we just started and that failed is stopped."""
    error = _poll_ready(comp, pid, timeout)
    if error is None:
        if started:
            took = time.monotonic() - (comp.started_at or time.monotonic())
            say(f"{comp.name}: answering, {took:.1f}s after its start")
            return UpResult(comp.name, "started", f"started at {comp.address()}", pid)
        return UpResult(comp.name, "running", f"already running at {comp.address()}", pid)
    say(f"{comp.name}: FAILED: {error}")
    tail = _log_tail(comp, comp.log_offsets)
    if started and procs.alive(pid):
        # A half-started server would make the next `up` believe it is merely slow.
        procs.stop(pid, comp.grace)
        say(f"{comp.name}: stopped the process that did not come up (pid {pid})")
    if not procs.alive(pid):
        comp.pidfile.unlink(missing_ok=True)
    return UpResult(comp.name, "failed", error, pid, tail)


def up(
    names: Iterable[str] | None = None,
    *,
    config: StackConfig | None = None,
    timeout: float = 90.0,
    say: Say = quiet,
) -> list[UpResult]:
    """Bring the selected components up and wait until each answers (idempotent)."""
    cfg = config or StackConfig.from_env()
    comps = _select(names, cfg)
    cfg.stack_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, UpResult] = {}
    with procs.locked(cfg.run_dir / "stack.lock"):
        waiting: list[tuple[Component, int, bool]] = []
        for comp in comps:
            begun = _begin(comp, say)
            if isinstance(begun, UpResult):
                results[comp.name] = begun
            else:
                waiting.append((comp, *begun))
        for comp, pid, started in waiting:
            results[comp.name] = _finish(comp, pid, started, timeout, say)
    return [results[comp.name] for comp in comps]


def _wipe(comp: Component, say: Say) -> None:
    for path in comp.data_paths():
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    say(f"{comp.name}: data wiped")


def _down_one(comp: Component, wipe: bool, say: Say) -> DownResult:
    pid = _owned(comp)
    if pid is not None:
        killed = procs.stop(pid, comp.grace)
        comp.pidfile.unlink(missing_ok=True)
        how = f"killed after {comp.grace:.0f}s without exiting on SIGTERM" if killed else "stopped"
        result = DownResult(comp.name, "killed" if killed else "stopped", f"{how} (pid {pid})")
    else:
        comp.pidfile.unlink(missing_ok=True)  # stale: its process is gone or is not ours
        if procs.port_open(comp.cfg.host, comp.ports()[0]):
            msg = f"running at {comp.address()} but not started by vigie stack: left alone"
            result = DownResult(comp.name, "foreign", msg)
        else:
            result = DownResult(comp.name, "not-running", "not running")
    if comp.name in NAMES or result.outcome != "not-running":  # extras rarely run: no noise
        say(f"{comp.name}: {result.message}")
    if wipe and result.outcome == "foreign":
        say(f"{comp.name}: data NOT wiped while a server still holds its port")
    elif wipe:
        _wipe(comp, say)
        result.wiped = True
    return result


def down(
    names: Iterable[str] | None = None,
    *,
    config: StackConfig | None = None,
    wipe: bool = False,
    say: Say = quiet,
) -> list[DownResult]:
    """Stop what `up` started (SIGTERM, then SIGKILL); with wipe, delete data but not downloads."""
    cfg = config or StackConfig.from_env()
    comps = _select(names, cfg, default=ALL_NAMES)
    if not cfg.stack_dir.exists():
        return [DownResult(comp.name, "not-running", "not running") for comp in comps]
    with procs.locked(cfg.run_dir / "stack.lock"):
        # Reverse order: clients (none here yet) before the servers they use.
        return list(reversed([_down_one(comp, wipe, say) for comp in reversed(comps)]))


def _status_one(comp: Component) -> ComponentStatus:
    pid = _owned(comp)
    answering = procs.port_open(comp.cfg.host, comp.ports()[0])
    ready = answering and _poll_ready(comp, None, 0) is None
    return ComponentStatus(
        comp.name, comp.title, comp.address(), answering, ready, pid, owned=pid is not None
    )


def status(
    names: Iterable[str] | None = None, *, config: StackConfig | None = None
) -> list[ComponentStatus]:
    """One probe per component, no side effects; an extra that does not run is left out
    unless named."""
    cfg = config or StackConfig.from_env()
    found = [_status_one(comp) for comp in _select(names, cfg, default=ALL_NAMES)]
    return [s for s in found if names or s.name in NAMES or s.owned or s.answering]


def wait_ready(component: str, *, config: StackConfig | None = None, timeout: float = 90.0) -> None:
    """Block until the component answers; StackError after timeout (or if our process died)."""
    cfg = config or StackConfig.from_env()
    (comp,) = _select([component], cfg)
    error = _poll_ready(comp, _owned(comp), timeout)
    if error is not None:
        raise StackError(f"{component}: {error}")


def ensure_up(
    names: Iterable[str] | None = None,
    *,
    config: StackConfig | None = None,
    timeout: float = 90.0,
) -> None:
    """`up` for test fixtures: returns when every selected component answers, else raises."""
    failed = [res for res in up(names, config=config, timeout=timeout) if not res.ok]
    if failed:
        details = "\n".join(
            "\n".join([f"{res.name}: {res.message}", *res.log_tail]) for res in failed
        )
        raise StackError(f"dev stack not ready:\n{details}")
