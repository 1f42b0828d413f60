"""Serving the preference centre inside the notifier process, beside the Kafka consumer."""

from __future__ import annotations

import socket

from fastapi import FastAPI

from shared.web_server import EmbeddedWebServer


class WebServer(EmbeddedWebServer):
    """The preference centre (and the operational endpoints) on the notifier's port."""

    def __init__(
        self, app: FastAPI, host: str, port: int, sock: socket.socket | None = None
    ) -> None:
        super().__init__(app, host, port, sock, service="notifier", setting="VIGIE_NOTIFIER_PORT")
