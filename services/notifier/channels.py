"""Channels a message can go out on (`notifier.ports.ChannelSender`). Each renders for its medium
and raises the delivery errors of `notifier.delivery_errors` (permanent or transient), so the
deliverer treats them all alike."""

from __future__ import annotations

from notifier.alert_links import AlertLinkBuilder
from notifier.delivery_errors import PermanentDeliveryError
from notifier.links import LinkBuilder
from notifier.mailer import SmtpMailer
from notifier.render import Sender, render_alert, render_digest, render_sms, render_sms_digest
from notifier.short_links import AlertShortener
from notifier.sms_provider import SmsProvider
from notifier.sms_text import InvalidNumber, to_e164
from shared.enterprises import Enterprise
from shared.events import Channel, MatchEvent


def _message_id(key: str) -> str:
    """Derived from the idempotency key, so a receiving client can spot a duplicate too."""
    return key.replace("#", ".").replace(":", "-")


class EmailChannel:
    channel = Channel.EMAIL

    def __init__(
        self,
        mailer: SmtpMailer,
        sender: Sender,
        links: LinkBuilder,
        alerts: AlertLinkBuilder | None = None,
    ) -> None:
        self._mailer = mailer
        self._sender = sender
        self._links = links
        self._alerts = alerts

    def contact(self, enterprise: Enterprise) -> str | None:
        email = enterprise.contacts.email
        return str(email) if email else None

    def _to(self, enterprise: Enterprise) -> str:
        to = self.contact(enterprise)
        if to is None:
            raise PermanentDeliveryError("no email address")
        return to

    async def send_alert(
        self, enterprise: Enterprise, match: MatchEvent, key: str, *, reminder: bool = False
    ) -> None:
        links = self._links.for_enterprise(enterprise.id, enterprise.language)
        alerts = self._alerts
        actions = alerts.for_alert(enterprise.id, match, enterprise.language) if alerts else None
        email = render_alert(
            match, enterprise.timezone, self._sender, links, reminder=reminder, actions=actions
        )
        await self._mailer.send(self._to(enterprise), email, _message_id(key))

    async def send_digest(
        self, enterprise: Enterprise, matches: list[MatchEvent], key: str
    ) -> None:
        links = self._links.for_enterprise(enterprise.id, enterprise.language)
        alerts = self._alerts
        email = render_digest(
            matches,
            enterprise.language,
            enterprise.timezone,
            self._sender,
            links,
            (lambda m: alerts.for_alert(enterprise.id, m, enterprise.language)) if alerts else None,
        )
        await self._mailer.send(self._to(enterprise), email, _message_id(key))


class SmsChannel:
    channel = Channel.SMS

    def __init__(
        self, provider: SmsProvider, links: LinkBuilder, alerts: AlertShortener | None = None
    ) -> None:
        self._provider = provider
        self._links = links
        self._alerts = alerts

    def contact(self, enterprise: Enterprise) -> str | None:
        return enterprise.contacts.phone

    def _to(self, enterprise: Enterprise) -> str:
        try:
            return to_e164(enterprise.contacts.phone or "")
        except InvalidNumber as exc:
            raise PermanentDeliveryError(f"invalid number: {exc}") from exc

    def _preferences_link(self, enterprise: Enterprise) -> str:
        return self._links.for_enterprise(enterprise.id, enterprise.language).preferences

    async def send_alert(
        self, enterprise: Enterprise, match: MatchEvent, key: str, *, reminder: bool = False
    ) -> None:
        to = self._to(enterprise)
        documents = match.tender.documents_url
        if self._alerts is not None:
            # One short link has room in a text: the answer page, which links the documents.
            link = await self._alerts.for_alert(enterprise.id, match, enterprise.language)
        else:
            link = str(documents) if documents else self._preferences_link(enterprise)
        text = render_sms(match, enterprise.timezone, link, reminder=reminder)
        await self._provider.send(to, text)

    async def send_digest(
        self, enterprise: Enterprise, matches: list[MatchEvent], key: str
    ) -> None:
        to = self._to(enterprise)
        link = self._preferences_link(enterprise)
        await self._provider.send(to, render_sms_digest(len(matches), enterprise.language, link))
