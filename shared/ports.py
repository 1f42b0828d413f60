"""A service's listening port, taken before anything else starts: a port another process holds
is refused at once with a message naming it, the setting that chose it and what to do."""

from __future__ import annotations

import socket

import structlog

log = structlog.get_logger()


class PortTakenError(RuntimeError):
    """The address could not be bound; the message names it and the setting to change."""

    def __init__(self, service: str, host: str, port: int, setting: str, reason: str) -> None:
        self.service = service
        self.host = host
        self.port = port
        self.setting = setting
        super().__init__(
            f"{service} cannot listen on {host}:{port}: {reason}. Another process holds this "
            f"port: stop it, or set {setting} to a free port."
        )


def listen(service: str, host: str, port: int, setting: str) -> socket.socket:
    """A socket bound to `host:port` and listening, to hand to the server (uvicorn `sockets=`).

    SO_REUSEADDR only lets a restart reuse a port left in TIME_WAIT; a port another process
    listens on is refused (PortTakenError).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise PortTakenError(service, host, port, setting, exc.strerror or repr(exc)) from exc
    sock.set_inheritable(True)
    return sock


def listen_or_exit(service: str, host: str, port: int, setting: str) -> socket.socket:
    """`listen` for a service's entry point: a taken port is logged with what to do, and the
    process exits with status 2 before it connects to anything."""
    try:
        return listen(service, host, port, setting)
    except PortTakenError as exc:
        log.error(
            "port_taken",
            service=service,
            host=host,
            port=port,
            error=str(exc),
            next="not started, exit status 2",
        )
        raise SystemExit(2) from exc
