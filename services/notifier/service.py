"""The notifier's use case: a match in, at most one email per idempotency key out.

The intent is recorded before sending and marked after; a redelivered match whose delivery is
already settled sends nothing. A crash between sending and marking leaves it `pending`, and the
next attempt sends again (at-least-once; the Message-ID lets mail clients fold the duplicate).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import structlog

from notifier.mailer import PermanentDeliveryError, SmtpMailer
from notifier.render import Sender, render_alert
from notifier.store import DeliveryStore
from shared.events import Channel, DeliveryEvent, DeliveryStatus, MatchEvent
from shared.kafka.consumer import PermanentError
from shared.logging import mask_email

log = structlog.get_logger()
_EVENT_NAMESPACE = uuid.UUID("0f8a3c0e-5d0b-4c3e-a0a4-8e4e1d2f7b61")
_SETTLED = {"sent", "suppressed", "failed"}


def delivery_key(match: MatchEvent, channel: Channel) -> str:
    return f"{match.match_id}#{match.kind}#{channel}"


class Notifier:
    def __init__(
        self,
        store: DeliveryStore,
        mailer: SmtpMailer,
        sender: Sender,
        publish: Callable[[DeliveryEvent], Awaitable[None]],
    ) -> None:
        self._store = store
        self._mailer = mailer
        self._sender = sender
        self._publish = publish

    async def handle(self, match: MatchEvent) -> None:
        structlog.contextvars.bind_contextvars(
            tender_uid=match.tender.uid, enterprise_id=match.enterprise_id
        )
        enterprise = await self._store.enterprise(match.enterprise_id)
        if enterprise is None:
            raise PermanentError(f"enterprise {match.enterprise_id!r} does not exist")
        key = delivery_key(match, Channel.EMAIL)
        address = enterprise.contacts.email
        details = {
            "match_id": match.match_id,
            "enterprise_id": match.enterprise_id,
            "tender_uid": match.tender.uid,
            "revision": match.tender.revision,
            "channel": Channel.EMAIL.value,
            "kind": match.kind.value,
        }
        previous = await self._store.claim(key, details)
        if previous in _SETTLED:
            log.info("delivery_already_settled", status=previous)
            return
        if address is None or not enterprise.consents_to("email"):
            await self._settle(match, key, DeliveryStatus.SUPPRESSED, "no email consent or address")
            return
        email = render_alert(match, enterprise.timezone, self._sender)
        try:
            await self._mailer.send(str(address), email, message_id=key.replace("#", "."))
        except PermanentDeliveryError as exc:
            await self._settle(match, key, DeliveryStatus.FAILED, str(exc))
            raise PermanentError(str(exc)) from exc
        await self._settle(match, key, DeliveryStatus.SENT, "")
        log.info("email_sent", to=mask_email(str(address)), kind=match.kind.value)

    async def _settle(
        self, match: MatchEvent, key: str, status: DeliveryStatus, detail: str
    ) -> None:
        await self._store.mark(key, status.value, detail)
        await self._publish(
            DeliveryEvent(
                event_id=uuid.uuid5(_EVENT_NAMESPACE, f"{key}|{status}"),
                status=status,
                channel=Channel.EMAIL,
                idempotency_key=key,
                match_id=match.match_id,
                enterprise_id=match.enterprise_id,
                tender_uid=match.tender.uid,
                revision=match.tender.revision,
                detail=detail,
            )
        )
