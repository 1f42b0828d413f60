"""Composition root of the matcher: settings in, wired adapters and use case out."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import structlog
from faststream.kafka import KafkaBroker
from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError

from matcher.service import Clock, TenderMatcher, utc_now
from matcher.settings import MatcherSettings
from matcher.store import MatcherStore
from shared.events import MATCHES_TOPIC, TENDERS_TOPIC, MatchEvent, TenderEvent
from shared.kafka.broker import make_broker, publish_event
from shared.kafka.consumer import RetryPolicy, subscribe_guarded
from shared.kafka.topics import all_topics, ensure_topics
from shared.mongo import Document, database, make_client

log = structlog.get_logger()


@dataclass
class MatcherService:
    settings: MatcherSettings
    broker: KafkaBroker
    client: AsyncMongoClient[Document]
    store: MatcherStore
    matcher: TenderMatcher
    _poller: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await ensure_topics(self.settings.kafka_bootstrap, all_topics(self.settings.topic_prefix))
        await self.store.ensure_indexes()
        await self.matcher.refresh(force=True)
        self._poller = asyncio.create_task(self._poll())
        await self.broker.start()

    async def _poll(self) -> None:
        """Profile changes take effect within `matcher_refresh_seconds`, tenders or not."""
        while True:
            await asyncio.sleep(max(self.settings.matcher_refresh_seconds, 0.5))
            try:
                await self.matcher.refresh()
            except PyMongoError as exc:
                log.warning("catalogue_refresh_failed", error=repr(exc)[:300])

    async def stop(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
        await self.broker.stop()
        await self.client.close()


def bootstrap(
    settings: MatcherSettings | None = None,
    clock: Clock = utc_now,
    retry: RetryPolicy | None = None,
) -> MatcherService:
    settings = settings or MatcherSettings()
    broker = make_broker(settings, client_id="vigie-matcher")
    client = make_client(settings.mongodb_url)
    store = MatcherStore(database(client, settings.mongodb_url))
    matches_topic = settings.topic(MATCHES_TOPIC)

    async def publish(match: MatchEvent) -> None:
        await publish_event(broker, matches_topic, match.key, match)

    matcher = TenderMatcher(store, publish, clock, settings.matcher_refresh_seconds)
    subscribe_guarded(
        broker,
        settings.topic(TENDERS_TOPIC),
        settings.matcher_group_id,
        TenderEvent.model_validate_json,
        matcher.handle,
        retry,
    )
    return MatcherService(settings, broker, client, store, matcher)
