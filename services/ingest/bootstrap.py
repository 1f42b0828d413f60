"""Composition root of ingest: the Kafka publisher and the HTTP app."""

from __future__ import annotations

from fastapi import FastAPI

from ingest.api import create_app
from ingest.publisher import KafkaTenderPublisher
from ingest.settings import IngestSettings
from shared.kafka.broker import make_broker
from shared.kafka.topics import all_topics, ensure_topics


def bootstrap(settings: IngestSettings | None = None) -> FastAPI:
    settings = settings or IngestSettings()
    broker = make_broker(settings, client_id="vigie-ingest")
    publisher = KafkaTenderPublisher(broker, settings)

    async def start() -> None:
        await ensure_topics(settings.kafka_bootstrap, all_topics(settings.topic_prefix))
        await broker.start()

    async def stop() -> None:
        await broker.stop()

    return create_app(publisher, settings.ingest_max_body_bytes, (start, stop))
