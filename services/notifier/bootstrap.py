"""Composition root of the notifier."""

from __future__ import annotations

from dataclasses import dataclass

from faststream.kafka import KafkaBroker
from pymongo import AsyncMongoClient

from notifier.mailer import SmtpMailer
from notifier.render import Sender
from notifier.service import Notifier
from notifier.settings import NotifierSettings
from notifier.store import DeliveryStore
from shared.events import DELIVERIES_TOPIC, MATCHES_TOPIC, DeliveryEvent, MatchEvent
from shared.kafka.broker import make_broker, publish_event
from shared.kafka.consumer import RetryPolicy, subscribe_guarded
from shared.kafka.topics import all_topics, ensure_topics
from shared.mongo import Document, database, make_client


@dataclass
class NotifierService:
    settings: NotifierSettings
    broker: KafkaBroker
    client: AsyncMongoClient[Document]
    store: DeliveryStore
    mailer: SmtpMailer

    async def start(self) -> None:
        await ensure_topics(self.settings.kafka_bootstrap, all_topics(self.settings.topic_prefix))
        await self.store.ensure_indexes()
        await self.broker.start()

    async def stop(self) -> None:
        await self.broker.stop()
        await self.mailer.close()
        await self.client.close()


def bootstrap(
    settings: NotifierSettings | None = None, retry: RetryPolicy | None = None
) -> NotifierService:
    settings = settings or NotifierSettings()
    broker = make_broker(settings, client_id="vigie-notifier")
    client = make_client(settings.mongodb_url)
    store = DeliveryStore(database(client, settings.mongodb_url))
    sender = Sender(
        settings.sender_name,
        settings.sender_address,
        settings.sender_postal_address,
        settings.sender_contact,
    )
    mailer = SmtpMailer(
        settings.smtp_host,
        settings.smtp_port,
        sender,
        username=settings.smtp_username,
        password=settings.smtp_password,
        starttls=settings.smtp_starttls,
        timeout=settings.smtp_timeout_seconds,
    )
    deliveries_topic = settings.topic(DELIVERIES_TOPIC)

    async def publish(event: DeliveryEvent) -> None:
        await publish_event(broker, deliveries_topic, event.key, event)

    notifier = Notifier(store, mailer, sender, publish)
    subscribe_guarded(
        broker,
        settings.topic(MATCHES_TOPIC),
        settings.notifier_group_id,
        MatchEvent.model_validate_json,
        notifier.handle,
        retry,
    )
    return NotifierService(settings, broker, client, store, mailer)
