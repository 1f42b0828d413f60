"""A local HTTP server speaking the Twilio Messages API, recording what it received."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from notifier.http_server import WebServer
from tests.stack_clients import free_port

ACCOUNT_SID = "AC00000000000000000000000000000000"
AUTH_TOKEN = "test-only-auth-token"
# Given the destination and how many times it was tried, an error (status, code) or None.
SmsScript = Callable[[str, int], tuple[int, int] | None]


def accept_all(to: str, attempt: int) -> tuple[int, int] | None:
    return None


@dataclass
class SmsRecorder:
    url: str
    script: SmsScript = accept_all
    received: list[dict[str, str]] = field(default_factory=list)
    tries: dict[str, int] = field(default_factory=dict)

    def to(self, number: str) -> list[dict[str, str]]:
        return [m for m in self.received if m["To"] == number]


def _app(recorder: SmsRecorder) -> FastAPI:
    app = FastAPI()
    expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()

    @app.post("/2010-04-01/Accounts/{sid}/Messages.json")
    async def messages(sid: str, request: Request) -> JSONResponse:
        if sid != ACCOUNT_SID or request.headers.get("authorization") != expected:
            return JSONResponse({"code": 20003, "message": "Authenticate"}, status_code=401)
        form = {k: str(v) for k, v in (await request.form()).items()}
        to = form.get("To", "")
        recorder.tries[to] = recorder.tries.get(to, 0) + 1
        failure = recorder.script(to, recorder.tries[to])
        if failure is not None:
            status, code = failure
            return JSONResponse({"code": code, "message": "scripted"}, status_code=status)
        recorder.received.append(form)
        sid_out = f"SM{uuid.uuid4().hex}"
        return JSONResponse({"sid": sid_out, "status": "queued", "to": to}, status_code=201)

    return app


@asynccontextmanager
async def twilio_like(script: SmsScript = accept_all) -> AsyncIterator[SmsRecorder]:
    port = free_port()
    recorder = SmsRecorder(f"http://127.0.0.1:{port}", script)
    server = WebServer(_app(recorder), "127.0.0.1", port)
    await server.start()
    try:
        yield recorder
    finally:
        await server.stop()
