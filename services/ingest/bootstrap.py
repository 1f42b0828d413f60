"""Composition root of ingest: MongoDB, the Kafka publisher, the intake and the HTTP app."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from pymongo import AsyncMongoClient

from ingest.api import create_app
from ingest.intake import TenderIntake
from ingest.key_cache import RecentKeys
from ingest.publishers import PublisherDirectory
from ingest.ratelimit import RateLimiter
from ingest.reach_store import ReachStore
from ingest.registry import TenderRegistry
from ingest.settings import IngestSettings
from ingest.tender_producer import KafkaTenderPublisher
from shared.health import service_health
from shared.kafka.broker import make_broker
from shared.kafka.topics import ensure_vigie_topics
from shared.mongo import Document, database, make_client
from shared.operations_http import operations_router
from shared.tracing import instrument_app

NOTES_AT_STOP_SECONDS = 5.0


@dataclass
class IngestRuntime:
    """The adapters and use case of ingest, shared by the HTTP app and the operators' imports."""

    settings: IngestSettings
    broker: KafkaBroker
    client: AsyncMongoClient[Document]
    registry: TenderRegistry
    directory: PublisherDirectory
    intake: TenderIntake

    async def start(self) -> None:
        await ensure_vigie_topics(self.settings)
        await self.registry.ensure_indexes()
        await self.directory.ensure_indexes()
        await self.broker.start()

    async def stop(self) -> None:
        # The notes of published events still queued, for a few seconds at most: with MongoDB
        # away they stay unwritten, and their events go out again with their tender's next push.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.intake.close(), NOTES_AT_STOP_SECONDS)
        await self.broker.stop()
        await self.client.close()


def bootstrap_runtime(settings: IngestSettings | None = None) -> IngestRuntime:
    settings = settings or IngestSettings()
    broker = make_broker(settings, client_id="vigie-ingest")
    client = make_client(settings.mongodb_url)
    db = database(client, settings.mongodb_url)
    registry = TenderRegistry(db)
    pepper = settings.api_key_pepper.get_secret_value() if settings.api_key_pepper else None
    directory = PublisherDirectory(db, pepper)
    intake = TenderIntake(registry, KafkaTenderPublisher(broker, settings))
    return IngestRuntime(settings, broker, client, registry, directory, intake)


def bootstrap(settings: IngestSettings | None = None) -> FastAPI:
    settings = settings or IngestSettings()
    settings.pepper()  # the HTTP API checks keys: refuse to start without the secret
    runtime = bootstrap_runtime(settings)
    limiter = RateLimiter(
        runtime.settings.ingest_rate_per_second, runtime.settings.ingest_rate_burst
    )
    app = create_app(
        runtime.intake,
        RecentKeys(runtime.directory.authenticate, runtime.settings.ingest_key_cache_seconds),
        limiter,
        runtime.settings.ingest_max_body_bytes,
        (runtime.start, runtime.stop),
    )
    # Ingest consumes nothing: live is the app answering, ready is Kafka and MongoDB answering.
    health = service_health(runtime.broker, runtime.client, settings.liveness_bound_seconds)
    app.include_router(operations_router(health))
    app.state.reach = ReachStore(database(runtime.client, runtime.settings.mongodb_url))
    instrument_app(app)
    return app
