"""Composition root of the matcher: settings in, wired adapters and use case out."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import structlog
from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError

from matcher.enterprise_feed import EnterpriseChangeFeed
from matcher.publisher import KafkaMatchPublisher
from matcher.service import TenderMatcher
from matcher.settings import MatcherSettings
from matcher.store import MongoMatcherStore
from shared.clock import Clock, utc_now
from shared.events import ENTERPRISES_TOPIC, MATCHES_TOPIC, TENDERS_TOPIC, TenderEvent
from shared.health import service_health
from shared.kafka.batch import subscribe_guarded_batch
from shared.kafka.broker import make_broker
from shared.kafka.consumer import RetryPolicy
from shared.kafka.topics import ensure_vigie_topics
from shared.mongo import Document, database, make_client
from shared.operations_http import operations_app
from shared.tracing import record_trace

log = structlog.get_logger()


@dataclass
class MatcherService:
    settings: MatcherSettings
    broker: KafkaBroker
    client: AsyncMongoClient[Document]
    store: MongoMatcherStore
    matcher: TenderMatcher
    changes: EnterpriseChangeFeed
    # /metrics and /health/*; `python -m matcher` serves it on VIGIE_MATCHER_PORT.
    app: FastAPI
    _reloader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await ensure_vigie_topics(self.settings)
        await self.store.ensure_indexes()
        await self.changes.start()  # before the load: no change falls between the two
        await self.matcher.load_all()
        self._reloader = asyncio.create_task(self._reload_now_and_then())
        await self.broker.start()

    async def _reload_now_and_then(self) -> None:
        """The safety net for a change that was written but never announced."""
        while True:
            await asyncio.sleep(self.settings.matcher_full_reload_seconds)
            try:
                await self.matcher.load_all()
            except PyMongoError as exc:
                log.warning(
                    "catalogue_reload_failed",
                    operation="full reload of the enterprise profiles",
                    collection="enterprises",
                    error=repr(exc)[:300],
                    next=(
                        f"the index keeps what it holds; next reload in "
                        f"{self.settings.matcher_full_reload_seconds:g} s"
                    ),
                )

    async def stop(self) -> None:
        if self._reloader is not None:
            self._reloader.cancel()
        await self.broker.stop()
        await self.changes.stop()
        await self.client.close()


def bootstrap(
    settings: MatcherSettings | None = None,
    clock: Clock = utc_now,
    retry: RetryPolicy | None = None,
) -> MatcherService:
    settings = settings or MatcherSettings()
    broker = make_broker(settings, client_id="vigie-matcher")
    client = make_client(settings.mongodb_url)
    store = MongoMatcherStore(database(client, settings.mongodb_url))
    publisher = KafkaMatchPublisher(broker, settings.topic(MATCHES_TOPIC))

    async def apply_changes(enterprise_ids: list[str]) -> None:
        await matcher.apply_changes(enterprise_ids)

    changes = EnterpriseChangeFeed(
        settings.kafka_bootstrap, settings.topic(ENTERPRISES_TOPIC), apply_changes
    )
    matcher = TenderMatcher(store, publisher, changes, clock, in_trace_of=record_trace)
    subscribe_tenders(broker, settings, matcher, retry)

    async def index_loaded() -> str | None:
        return None if matcher.catalogue.loaded else "the profile index is not loaded yet"

    health = service_health(broker, client, settings.liveness_bound_seconds, index=index_loaded)
    app = operations_app(health, "Vigie matcher")
    return MatcherService(settings, broker, client, store, matcher, changes, app)


def subscribe_tenders(
    broker: KafkaBroker,
    settings: MatcherSettings,
    matcher: TenderMatcher,
    retry: RetryPolicy | None = None,
) -> None:
    """The matcher's consumer path: tender events parsed and matched by batches (whatever has
    arrived, up to `matcher_batch_size`), retried on failure, then record by record, and
    dead-lettered when one cannot be parsed or still fails (shared.kafka.batch)."""
    subscribe_guarded_batch(
        broker,
        settings.topic(TENDERS_TOPIC),
        settings.matcher_group_id,
        TenderEvent.model_validate_json,
        matcher.handle_batch,
        retry,
        max_records=settings.matcher_batch_size,
    )
