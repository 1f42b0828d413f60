"""Running a service process until SIGTERM or SIGINT, then stopping it cleanly."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable

import structlog

log = structlog.get_logger()


async def run_until_signalled(
    name: str, start: Callable[[], Awaitable[None]], stop: Callable[[], Awaitable[None]]
) -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    await start()
    log.info("service_started", service=name)
    try:
        await stopping.wait()
    finally:
        log.info("service_stopping", service=name)
        await stop()
