"""A service's listening port, taken before anything else starts: a port another process holds
is refused at once with a message naming it, the setting that chose it and what to do."""

from __future__ import annotations

import socket


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
