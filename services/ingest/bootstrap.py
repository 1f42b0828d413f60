"""Composition root of ingest: MongoDB, the Kafka publisher, the intake and the HTTP app."""

from __future__ import annotations

from fastapi import FastAPI

from ingest.api import create_app
from ingest.intake import TenderIntake
from ingest.publisher import KafkaTenderPublisher
from ingest.publishers import PublisherDirectory
from ingest.ratelimit import RateLimiter
from ingest.registry import TenderRegistry
from ingest.settings import IngestSettings
from shared.kafka.broker import make_broker
from shared.kafka.topics import all_topics, ensure_topics
from shared.mongo import database, make_client


def bootstrap(settings: IngestSettings | None = None) -> FastAPI:
    settings = settings or IngestSettings()
    pepper = settings.pepper()
    broker = make_broker(settings, client_id="vigie-ingest")
    client = make_client(settings.mongodb_url)
    db = database(client, settings.mongodb_url)
    registry = TenderRegistry(db)
    directory = PublisherDirectory(db, pepper)
    intake = TenderIntake(registry, KafkaTenderPublisher(broker, settings))
    limiter = RateLimiter(settings.ingest_rate_per_second, settings.ingest_rate_burst)

    async def start() -> None:
        await ensure_topics(settings.kafka_bootstrap, all_topics(settings.topic_prefix))
        await registry.ensure_indexes()
        await directory.ensure_indexes()
        await broker.start()

    async def stop() -> None:
        await broker.stop()
        await client.close()

    return create_app(
        intake, directory.authenticate, limiter, settings.ingest_max_body_bytes, (start, stop)
    )
