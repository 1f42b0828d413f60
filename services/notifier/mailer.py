"""SMTP adapter: one reused connection, SMTP 5xx told apart from transient failures."""

from __future__ import annotations

import asyncio
from email.message import EmailMessage
from email.utils import formataddr, formatdate

import aiosmtplib

from notifier.render import RenderedEmail, Sender


class PermanentDeliveryError(Exception):
    """The server refused the message for good (SMTP 5xx): retrying cannot help."""


class SmtpMailer:
    def __init__(
        self,
        host: str,
        port: int,
        sender: Sender,
        *,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout: float = 10.0,
    ) -> None:
        self._sender = sender
        self._client = aiosmtplib.SMTP(
            hostname=host,
            port=port,
            timeout=timeout,
            start_tls=starttls,
            username=username,
            password=password,
        )
        self._lock = asyncio.Lock()

    def build(self, to: str, email: RenderedEmail, message_id: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = formataddr((self._sender.name, self._sender.address))
        message["To"] = to
        message["Subject"] = email.subject
        message["Date"] = formatdate(localtime=False, usegmt=True)
        # Derived from the idempotency key, so a receiving client can spot a duplicate too.
        message["Message-ID"] = f"<{message_id}@vigie>"
        message.set_content(email.text)
        return message

    async def send(self, to: str, email: RenderedEmail, message_id: str) -> None:
        message = self.build(to, email, message_id)
        async with self._lock:
            try:
                if not self._client.is_connected:
                    await self._client.connect()
                await self._client.send_message(message)
            except aiosmtplib.SMTPRecipientsRefused as exc:
                codes = [refused.code for refused in exc.recipients]
                self._client.close()
                if all(code >= 500 for code in codes):
                    raise PermanentDeliveryError(f"recipient refused: {codes}") from exc
                raise
            except aiosmtplib.SMTPResponseException as exc:
                self._client.close()
                if exc.code >= 500:
                    raise PermanentDeliveryError(f"SMTP {exc.code} {exc.message}") from exc
                raise
            except aiosmtplib.SMTPException:
                self._client.close()
                raise

    async def close(self) -> None:
        async with self._lock:
            if self._client.is_connected:
                try:
                    await self._client.quit()
                except aiosmtplib.SMTPException:
                    self._client.close()
