"""Serving the preference centre inside the notifier process, beside the Kafka consumer.

uvicorn normally owns SIGTERM/SIGINT and re-raises them after shutting down; here the process's
own handler (`shared.service.run_until_signalled`) stops everything in order, so uvicorn is told
to leave signals alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator

import uvicorn
from fastapi import FastAPI

from shared.ports import listen


class _EmbeddedServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class WebServer:
    """The preference centre on `host:port`, or on `sock` when the caller bound it already.

    `start` raises `shared.ports.PortTakenError`, naming the port, when another process holds it.
    """

    def __init__(
        self, app: FastAPI, host: str, port: int, sock: socket.socket | None = None
    ) -> None:
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off")
        self._server = _EmbeddedServer(config)
        self._host = host
        self._port = port
        self._sock = sock
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._sock is None:
            self._sock = listen("notifier", self._host, self._port, "VIGIE_NOTIFIER_PORT")
        self._task = asyncio.create_task(self._server.serve(sockets=[self._sock]))
        while not self._server.started:
            if self._task.done():
                self._task.result()  # raises why it could not start (port taken…)
                raise RuntimeError("the preference centre stopped while starting")
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        if self._task is not None:
            self._server.should_exit = True
            await self._task
            self._task = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None
