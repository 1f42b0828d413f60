"""Composition root of the notifier: consumer → outbox → dispatcher → channels, and the
preference centre app that `python -m notifier` serves beside them."""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from pymongo import AsyncMongoClient

from notifier.action_tokens import ActionSigner
from notifier.alert_links import AlertLinkBuilder
from notifier.channel_metrics import TimedChannel
from notifier.channels import EmailChannel, SmsChannel
from notifier.dead_letter import kafka_dead_letter
from notifier.dispatcher import Dispatcher
from notifier.enterprise_pages import enterprise_router
from notifier.links import LinkBuilder
from notifier.mailer import SmtpMailer
from notifier.ports import ChannelSender
from notifier.preference_store import PreferenceStore
from notifier.profile_editor import profile_router
from notifier.recent_tenders import MongoRecentTenders
from notifier.render import Sender
from notifier.service import Deliverer, DeliveryRetry, Notifier
from notifier.settings import NotifierSettings
from notifier.settler import Settler
from notifier.short_links import ShortLinks
from notifier.signing import LinkSigner
from notifier.sms_provider import SmsProvider, TwilioSms
from notifier.store import DeliveryStore
from notifier.throttle import Throttle
from notifier.web import create_app
from shared.clock import Clock, utc_now
from shared.events import DELIVERIES_TOPIC, MATCHES_TOPIC, Channel, DeliveryEvent, MatchEvent
from shared.health import BackgroundLoop, service_health
from shared.kafka.batch import subscribe_guarded_batch
from shared.kafka.broker import make_broker, publish_event
from shared.kafka.consumer import RetryPolicy
from shared.kafka.enterprise_changes import announcer_on
from shared.kafka.topics import ensure_vigie_topics
from shared.metrics import DELIVERIES
from shared.mongo import Document, database, make_client
from shared.operations_http import operations_router
from shared.tracing import instrument_app

log = structlog.get_logger()


@dataclass
class NotifierService:
    settings: NotifierSettings
    broker: KafkaBroker
    client: AsyncMongoClient[Document]
    store: DeliveryStore
    preferences: PreferenceStore
    mailer: SmtpMailer
    sms: SmsProvider | None
    dispatcher: Dispatcher
    settler: Settler
    # The preference centre and /metrics, /health/*; `python -m notifier` serves it (see
    # `http_server`).
    app: FastAPI

    async def start(self) -> None:
        await ensure_vigie_topics(self.settings)
        await self.store.ensure_indexes()
        await self.preferences.ensure_indexes()
        self.settler.start()
        await self.broker.start()
        self.dispatcher.start()

    async def stop(self) -> None:
        # Intake first, then the sends in flight, so every outcome is recorded and published.
        await self.dispatcher.stop()
        await self.settler.stop()
        await self.broker.stop()
        await self.mailer.close()
        if self.sms is not None:
            await self.sms.close()
        await self.client.close()


def mailer_from(settings: NotifierSettings) -> SmtpMailer:
    """The SMTP mailer the settings describe (the notifier's, and the operators' commands')."""
    sender = Sender(
        settings.sender_name,
        settings.sender_address,
        settings.sender_postal_address,
        settings.sender_contact,
    )
    return SmtpMailer(
        settings.smtp_host,
        settings.smtp_port,
        sender,
        username=settings.smtp_username,
        password=settings.smtp_password,
        starttls=settings.smtp_starttls,
        timeout=settings.smtp_timeout_seconds,
        connections=settings.smtp_connections,
        throttle=Throttle(settings.smtp_rate_per_second, settings.smtp_rate_burst),
    )


def _sms(settings: NotifierSettings) -> SmsProvider | None:
    token = settings.sms_auth_token.get_secret_value() if settings.sms_auth_token else ""
    if not (settings.sms_account_sid and token and settings.sms_from):
        return None
    return TwilioSms(
        settings.sms_provider_url,
        settings.sms_account_sid,
        token,
        settings.sms_from,
        timeout=settings.sms_timeout_seconds,
        throttle=Throttle(settings.sms_rate_per_second, settings.sms_rate_burst),
    )


def _delivery_retry(settings: NotifierSettings) -> DeliveryRetry:
    return DeliveryRetry(
        attempts=settings.delivery_max_attempts,
        backoff=RetryPolicy(
            base_seconds=settings.delivery_retry_base_seconds,
            cap_seconds=settings.delivery_retry_cap_seconds,
        ),
        lease_seconds=settings.delivery_lease_seconds,
    )


def bootstrap(
    settings: NotifierSettings | None = None,
    retry: RetryPolicy | None = None,
    clock: Clock = utc_now,
) -> NotifierService:
    """`retry` governs the consumer's own retries (MongoDB hiccups), not message delivery."""
    settings = settings or NotifierSettings()
    signer = LinkSigner(settings.signing_key())
    if not settings.public_base_url.startswith("https://"):
        # RFC 8058 wants an https one-click URL; plain http is for a machine's own stack.
        log.warning("public_base_url_not_https", url=settings.public_base_url)
    broker = make_broker(settings, client_id="vigie-notifier")
    client = make_client(settings.mongodb_url)
    db = database(client, settings.mongodb_url)
    store = DeliveryStore(db)
    preferences = PreferenceStore(db, announcer_on(broker, settings))
    mailer = mailer_from(settings)
    links = LinkBuilder(signer, settings.public_base_url, settings.unsubscribe_mailbox)
    alert_links = AlertLinkBuilder(ActionSigner(signer), settings.public_base_url)
    channels: dict[Channel, ChannelSender] = {
        Channel.EMAIL: TimedChannel(EmailChannel(mailer, mailer.sender, links, alert_links), clock),
    }
    sms = _sms(settings)
    if sms is not None:
        channels[Channel.SMS] = TimedChannel(
            SmsChannel(sms, links, ShortLinks(db, signer, alert_links, settings.public_base_url)),
            clock,
        )
    deliveries_topic = settings.topic(DELIVERIES_TOPIC)
    matches_topic = settings.topic(MATCHES_TOPIC)

    async def publish(event: DeliveryEvent) -> None:
        """Every delivery outcome goes out here: counted once Kafka has it."""
        await publish_event(broker, deliveries_topic, event.key, event)
        DELIVERIES.labels(event.channel.value, event.status.value).inc()

    settler = Settler(store, publish, clock)
    deliverer = Deliverer(
        store,
        channels,
        publish,
        kafka_dead_letter(broker, matches_topic),
        clock,
        settler,
        _delivery_retry(settings),
    )
    dispatcher = Dispatcher(
        store.due,
        deliverer.attempt,
        clock,
        concurrency=settings.delivery_concurrency,
        poll_seconds=settings.delivery_poll_seconds,
    )
    notifier = Notifier(store, channels, publish, deliverer, dispatcher, clock)
    subscribe_matches(broker, settings, notifier, retry)
    app = create_app(preferences, signer, clock)
    app.include_router(profile_router(preferences, signer, MongoRecentTenders(db), clock))
    app.include_router(enterprise_router(settings, db, mailer, signer, links, clock))
    app.include_router(
        operations_router(
            service_health(
                broker,
                client,
                settings.liveness_bound_seconds,
                loops=[BackgroundLoop("outbox dispatch", dispatcher.has_ended)],
            )
        )
    )
    instrument_app(app, hide_paths=True)  # its links carry signed tokens
    return NotifierService(
        settings, broker, client, store, preferences, mailer, sms, dispatcher, settler, app
    )


def subscribe_matches(
    broker: KafkaBroker,
    settings: NotifierSettings,
    notifier: Notifier,
    retry: RetryPolicy | None = None,
) -> None:
    """The notifier's consumer path: batches of match events recorded, retried on failure, a
    record that cannot be parsed or still fails dead-lettered alone (shared.kafka.batch)."""
    subscribe_guarded_batch(
        broker,
        settings.topic(MATCHES_TOPIC),
        settings.notifier_group_id,
        MatchEvent.model_validate_json,
        notifier.handle_batch,
        retry,
        max_records=settings.notifier_intake_batch_size,
    )
