"""Signed links to an enterprise's preference centre: whoever holds the link may manage it.

The token is the enterprise id and an HMAC-SHA256 of it under a secret key, so the links in old
messages keep working (CASL wants an unsubscribe link to work for at least 60 days) and nothing
needs storing. A purpose prefix keeps these MACs from being replayed elsewhere.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

_PURPOSE = b"vigie-preferences-v1|"
_MAC_CHARS = 32  # 192 bits of the MAC, URL-safe base64


class InvalidToken(Exception):
    """The link was not issued by us, or was altered."""


class LinkSigner:
    def __init__(self, key: str) -> None:
        if len(key) < 16:
            raise ValueError("the unsubscribe signing key must be at least 16 characters long")
        self._key = key.encode()

    def _mac(self, enterprise_id: str) -> str:
        digest = hmac.new(self._key, _PURPOSE + enterprise_id.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode()[:_MAC_CHARS]

    def token(self, enterprise_id: str) -> str:
        return f"{enterprise_id}.{self._mac(enterprise_id)}"

    def verify(self, token: str) -> str:
        """The enterprise id the token was issued for; InvalidToken otherwise."""
        enterprise_id, _, mac = token.rpartition(".")
        if not enterprise_id or not hmac.compare_digest(mac, self._mac(enterprise_id)):
            raise InvalidToken("bad signature")
        return enterprise_id
