"""Serving a FastAPI app inside a service process, beside its Kafka consumer (the notifier's
preference centre, the matcher's operational endpoints).

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


class EmbeddedWebServer:
    """`app` on `host:port`, or on `sock` when the caller bound it already.

    `start` raises `shared.ports.PortTakenError`, naming the port and `setting` (the variable
    that chose it), when another process holds it.
    """

    def __init__(
        self,
        app: FastAPI,
        host: str,
        port: int,
        sock: socket.socket | None = None,
        *,
        service: str,
        setting: str,
    ) -> None:
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off")
        self._server = _EmbeddedServer(config)
        self._host = host
        self._port = port
        self._sock = sock
        self._task: asyncio.Task[None] | None = None
        self._service = service
        self._setting = setting

    async def start(self) -> None:
        if self._sock is None:
            self._sock = listen(self._service, self._host, self._port, self._setting)
        self._task = asyncio.create_task(self._server.serve(sockets=[self._sock]))
        while not self._server.started:
            if self._task.done():
                self._task.result()  # raises why it could not start (port taken…)
                raise RuntimeError(f"the {self._service} web server stopped while starting")
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        if self._task is not None:
            self._server.should_exit = True
            await self._task
            self._task = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None
