"""Process helpers: detached start, pidfiles, ownership checks, stop, port probes.

A pidfile alone is not proof: pids get reused after a reboot or a crash. A process counts
as ours only while its /proc/<pid>/cmdline still carries the markers we started it with
(the command plus a path inside this stack dir).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

# Popen objects of the servers started by this Python process. Kept referenced so that
# they are not garbage-collected while running (Popen.__del__ would emit a
# ResourceWarning, which pytest can turn into an error) and to see an early exit at once.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _proc_state(pid: int) -> str | None:
    """The one-letter state from /proc/<pid>/stat, or None when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may contain spaces.
    return stat.rsplit(")", 1)[1].split()[0]


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    state = _proc_state(pid)
    return state is not None and state not in ("Z", "X")


def cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def read_pid(pidfile: Path) -> int | None:
    try:
        return int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return None


def owned_pid(pidfile: Path, markers: Sequence[str]) -> int | None:
    """The pid in pidfile if that process is alive and its command line has every marker."""
    pid = read_pid(pidfile)
    if pid is None or not alive(pid):
        return None
    args = cmdline(pid)
    if all(any(marker in arg for arg in args) for marker in markers):
        return pid
    return None


def spawn(
    cmd: Sequence[str],
    *,
    log: Path,
    pidfile: Path,
    cwd: Path,
    env: Mapping[str, str] | None = None,
) -> int:
    """Start cmd detached (own session, no stdin) with output appended to log; write pidfile."""
    log.parent.mkdir(parents=True, exist_ok=True)
    pidfile.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        out.write(f"\n=== {stamp} vigie stack starts: {' '.join(cmd)}\n".encode())
        out.flush()
        # A new session: Ctrl-C in the terminal that ran `up` must not reach the servers.
        # The commands are built by vigie_stack from fixed arguments and paths.
        proc = subprocess.Popen(  # noqa: S603
            list(cmd),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            start_new_session=True,
        )
    _CHILDREN[proc.pid] = proc
    tmp = pidfile.with_suffix(".tmp")
    tmp.write_text(f"{proc.pid}\n")
    tmp.replace(pidfile)
    return proc.pid


def exit_code(pid: int) -> int | None:
    """Exit code of a server started by this Python process once it has exited, else None."""
    proc = _CHILDREN.get(pid)
    if proc is None:
        return None if alive(pid) else -1
    return proc.poll()


def _reap(pid: int) -> None:
    proc = _CHILDREN.pop(pid, None)
    if proc is not None:
        proc.poll()


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        proc = _CHILDREN.get(pid)
        if proc is not None:
            proc.poll()  # our own child stays a zombie until reaped
        if not alive(pid):
            return True
        time.sleep(0.1)
    return not alive(pid)


def stop(pid: int, grace: float) -> bool:
    """SIGTERM, then SIGKILL after grace seconds. True if it took the SIGKILL."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    killed = False
    if not _wait_gone(pid, grace):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        _wait_gone(pid, 10)
        killed = True
    _reap(pid)
    return killed


def size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def read_from(path: Path, offset: int = 0) -> list[str]:
    """The lines of path from byte offset on (logs are appended to across runs)."""
    try:
        with path.open("rb") as handle:
            handle.seek(offset if offset <= size(path) else 0)  # rotated: read it all
            return handle.read().decode(errors="replace").splitlines()
    except OSError:
        return []


@contextlib.contextmanager
def locked(lockfile: Path) -> Iterator[None]:
    """Serialise up/down across processes (e.g. pytest-xdist workers all calling ensure_up)."""
    lockfile.parent.mkdir(parents=True, exist_ok=True)
    with lockfile.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
