"""A real SMTP server in the test process (aiosmtpd) whose answers the test scripts."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from typing import Any

from aiosmtpd.controller import Controller

# Given the recipient and how many times it was tried, the reply to RCPT TO (None: accept).
Script = Callable[[str, int], str | None]


def accept_all(recipient: str, attempt: int) -> str | None:
    return None


@dataclass
class ScriptedHandler:
    script: Script = accept_all
    accepted: list[dict[str, Any]] = field(default_factory=list)
    tries: dict[str, int] = field(default_factory=dict)
    sessions: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        with self._lock:
            self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        with self._lock:
            self.tries[address] = self.tries.get(address, 0) + 1
            attempt = self.tries[address]
        reply = self.script(address, attempt)
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content)
        with self._lock:
            self.accepted.append(
                {"to": list(envelope.rcpt_tos), "message_id": message["Message-ID"]}
            )
        return "250 Message accepted"

    def accepted_for(self, address: str) -> list[dict[str, Any]]:
        with self._lock:
            return [m for m in self.accepted if address in m["to"]]


@contextmanager
def scripted_smtp(port: int, script: Script = accept_all) -> Iterator[ScriptedHandler]:
    handler = ScriptedHandler(script)
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()
