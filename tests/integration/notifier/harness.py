"""The notifier alone against the real stack: its consumer and, when asked, its web app.

`tests/pipeline.py` builds the notifier for the whole-pipeline tests; this harness adds what the
notifier's own tests need: the signing key, a preference centre on a free port, a clock.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from notifier.bootstrap import NotifierService, bootstrap
from notifier.http_server import WebServer
from notifier.settings import NotifierSettings
from shared.clock import Clock, utc_now
from shared.events import MATCHES_TOPIC, MatchEvent
from tests.pipeline import FAST_RETRY, namespace_settings
from tests.stack_clients import TEST_SIGNING_KEY, StackEndpoints, free_port, produce

# A notifier that polls its outbox often and serves no pages: for the delivery tests.
FAST: dict[str, Any] = {"delivery_poll_seconds": 0.05, "serve": False}
# 06:00 in Toronto (EST, UTC-5) on a Thursday.
DAWN = datetime(2026, 11, 26, 11, 0, tzinfo=UTC)


class ManualClock:
    """The notifier's time, moved by the test; the dispatcher is woken at each move."""

    def __init__(self, start: datetime) -> None:
        self.now = start
        self.moved: list[Callable[[], None]] = []

    def __call__(self) -> datetime:
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment
        for listener in self.moved:
            listener()


@dataclass
class RunningNotifier:
    service: NotifierService
    settings: NotifierSettings
    stack: StackEndpoints
    base_url: str

    async def send_match(self, match: MatchEvent) -> None:
        await produce(
            self.stack.kafka_bootstrap,
            self.settings.topic(MATCHES_TOPIC),
            match.model_dump_json().encode(),
            key=match.key.encode(),
        )


def notifier_settings(stack: StackEndpoints, namespace: str, **overrides: Any) -> NotifierSettings:
    port = free_port()
    values: dict[str, Any] = {
        **namespace_settings(stack, namespace),
        "notifier_group_id": f"{namespace}-notifier",
        "smtp_host": stack.smtp_host,
        "smtp_port": stack.smtp_port,
        "notifier_port": port,
        "public_base_url": f"http://127.0.0.1:{port}",
        "unsubscribe_signing_key": TEST_SIGNING_KEY,
    }
    return NotifierSettings(**{**values, **overrides})


@asynccontextmanager
async def running_notifier(
    stack: StackEndpoints,
    namespace: str,
    *,
    serve: bool = True,
    clock: Clock = utc_now,
    **overrides: Any,
) -> AsyncIterator[RunningNotifier]:
    """The consumer, and the preference centre served on `settings.notifier_port`."""
    settings = notifier_settings(stack, namespace, **overrides)
    service = bootstrap(settings, retry=FAST_RETRY, clock=clock)
    web = WebServer(service.app, "127.0.0.1", settings.notifier_port) if serve else None
    if isinstance(clock, ManualClock):
        clock.moved.append(service.dispatcher.wake)
    await service.start()
    try:
        if web is not None:
            await web.start()
        yield RunningNotifier(service, settings, stack, settings.public_base_url)
    finally:
        if web is not None:
            await web.stop()
        await service.stop()
