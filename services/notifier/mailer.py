"""SMTP adapter: a small pool of reused connections, transient failures told apart from permanent.

SMTP 5xx is permanent (retrying cannot help); 4xx, refused or dropped connections and timeouts are
transient. A connection that failed is closed and reopened on its next use.
"""

from __future__ import annotations

import asyncio
from email import base64mime
from email.charset import BASE64, Charset
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import Compat32
from email.utils import formataddr, formatdate
from typing import Any

import aiosmtplib

from notifier.delivery_errors import (
    DeliveryError,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from notifier.render import RenderedEmail, Sender
from notifier.throttle import Throttle
from shared.metrics import PROVIDER_CALL_SECONDS


def classify(exc: Exception) -> DeliveryError:
    """The delivery error an SMTP failure amounts to."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [refused.code for refused in exc.recipients]
        if codes and all(code >= 500 for code in codes):
            return PermanentDeliveryError(f"recipient refused: {codes}")
        return TransientDeliveryError(f"recipient deferred: {codes}")
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        text = f"SMTP {exc.code} {exc.message}"[:300]
        if exc.code >= 500:
            return PermanentDeliveryError(text)
        return TransientDeliveryError(text)
    return TransientDeliveryError(f"{type(exc).__name__}: {exc}"[:300])


class _ShortHeadersAsIs(Compat32):
    """compat32, writing a short plain-ASCII header as it is instead of building a `Header` to
    find out that it needs no folding or encoding: the same bytes, a third less time to write a
    message. Everything else goes through compat32."""

    def _fold(self, name: str, value: Any, sanitize: bool) -> str:
        if (
            isinstance(value, str)
            and value.isascii()
            and "\n" not in value
            and "\r" not in value
            and len(name) + 2 + len(value) <= (self.max_line_length or 78)
        ):
            return f"{name}: {value}{self.linesep}"
        return str(super()._fold(name, value, sanitize))  # type: ignore[misc]


WRITING_POLICY = _ShortHeadersAsIs()

# The parts' delimiter. A line of a base64 body cannot start with "--" (neither "-" nor "_"
# is in its alphabet), so a fixed boundary never occurs in one: the generator need not draw a
# random one and compile a pattern to scan the bodies for it, per message.
BOUNDARY = "=_vigie_alternative_="
_UTF8 = Charset("utf-8")
# Bytes of text per encoded word: "Subject: =?utf-8?b?" + 52 base64 characters + "?=" stays
# within the 78 characters a line should keep to (RFC 5322), and a word within 75 (RFC 2047).
_WORD_BYTES = 39


def encoded_header(text: str) -> str:
    """A header value as RFC 2047 `B` encoded words of UTF-8 (plain when it is short ASCII),
    one a line: what `Header(text, "utf-8")` writes, decoded, without its search for the
    shortest of two encodings at every character (a third of the time to write a message)."""
    if text.isascii() and len(text) <= 60:
        return text
    words, chunk, size = [], "", 0
    for char in text:
        length = len(char.encode())
        if size + length > _WORD_BYTES:
            words.append(base64mime.header_encode(chunk, "utf-8"))
            chunk, size = "", 0
        chunk += char
        size += length
    words.append(base64mime.header_encode(chunk, "utf-8"))
    return "\n ".join(words)


def _part(text: str, subtype: str) -> MIMEText:
    part = MIMEText(text, subtype, "utf-8")
    if _UTF8.body_encoding != BASE64:  # the fixed boundary relies on base64 bodies
        raise RuntimeError("UTF-8 bodies are expected to be written in base64")
    return part


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
        connections: int = 4,
        throttle: Throttle | None = None,
    ) -> None:
        self._sender = sender
        self._throttle = throttle
        self._idle: asyncio.Queue[aiosmtplib.SMTP] = asyncio.Queue()
        self._all = [
            aiosmtplib.SMTP(
                hostname=host,
                port=port,
                timeout=timeout,
                start_tls=starttls,
                username=username,
                password=password,
            )
            for _ in range(max(1, connections))
        ]
        for client in self._all:
            self._idle.put_nowait(client)

    @property
    def sender(self) -> Sender:
        return self._sender

    def build(self, to: str, email: RenderedEmail, message_id: str) -> Message:
        """multipart/alternative, text then HTML.

        Built with the compat32 policy: the modern policy's header folding cost ~6 ms a message,
        most of the time spent sending one; the headers here are simple enough not to need it.
        """
        message = MIMEMultipart("alternative", boundary=BOUNDARY)
        message["From"] = formataddr((self._sender.name, self._sender.address), charset="utf-8")
        message["To"] = to
        message["Subject"] = encoded_header(email.subject)
        message["Date"] = formatdate(localtime=False, usegmt=True)
        # Derived from the idempotency key, so a receiving client can spot a duplicate too.
        message["Message-ID"] = f"<{message_id}@vigie>"
        if email.links is not None:
            # RFC 2369 + RFC 8058: mail clients show an unsubscribe button that POSTs to the URL.
            message["List-Unsubscribe"] = (
                f"<{email.links.unsubscribe}>, <{email.links.unsubscribe_mailto}>"
            )
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message.attach(_part(email.text, "plain"))
        message.attach(_part(email.html, "html"))
        return message

    async def send(self, to: str, email: RenderedEmail, message_id: str) -> None:
        """Raises PermanentDeliveryError or TransientDeliveryError; nothing else."""
        content = self.build(to, email, message_id).as_bytes(policy=WRITING_POLICY)
        if self._throttle is not None:
            await self._throttle.acquire()
        client = await self._idle.get()
        try:
            with PROVIDER_CALL_SECONDS.labels("email").time():
                if not client.is_connected:
                    await client.connect()
                await client.sendmail(self._sender.address, [to], content)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            client.close()
            raise classify(exc) from exc
        finally:
            self._idle.put_nowait(client)

    async def close(self) -> None:
        for client in self._all:
            if client.is_connected:
                try:
                    await client.quit()
                except (aiosmtplib.SMTPException, OSError):
                    client.close()
