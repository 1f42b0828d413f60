"""Announcing that enterprises were written, on `vigie.enterprises.v1`.

Whoever writes an enterprise document (the import, and any future editor) announces it after the
write, so running matchers apply it within a second instead of scanning MongoDB for changes. If
the announcement is lost (a crash between the write and the send), the matcher's periodic full
reload still picks the change up.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from faststream.kafka import KafkaBroker

from shared.events import ENTERPRISES_TOPIC, EnterpriseChanged
from shared.kafka.broker import make_broker, publish_events
from shared.kafka.topics import ensure_topics
from shared.settings import CommonSettings

Announce = Callable[[Sequence[str]], Awaitable[None]]


def announcer_on(broker: KafkaBroker, settings: CommonSettings) -> Announce:
    """Announce enterprise ids through a broker the caller runs; acknowledged when it returns."""
    topic = settings.topic(ENTERPRISES_TOPIC)

    async def announce(enterprise_ids: Sequence[str]) -> None:
        events = [(i, EnterpriseChanged(enterprise_id=i)) for i in enterprise_ids]
        await publish_events(broker, topic, events)

    return announce


@asynccontextmanager
async def enterprise_announcer(settings: CommonSettings) -> AsyncIterator[Announce]:
    """A broker of its own, for a command that writes enterprises and exits (the import)."""
    await ensure_topics(
        settings.kafka_bootstrap,
        [settings.topic(ENTERPRISES_TOPIC)],
        partitions=settings.topic_partitions,
    )
    broker = make_broker(settings, client_id="vigie-enterprises")
    await broker.connect()
    try:
        yield announcer_on(broker, settings)
    finally:
        await broker.stop()
