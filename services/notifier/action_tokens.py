"""Signed, expiring tokens for one action: confirm a sign-up, answer an alert, open documents.

Built on the preference centre's `LinkSigner` (same key, same MAC): the signed value is
`a~` + base64url of `purpose, expiry, fields…`. `~` cannot occur in an enterprise id, so an
action token is never taken for a preference-centre token nor the other way round; the purpose
inside keeps one kind of action token from being used for another. Pure: the caller says when.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import UTC, datetime

from notifier.signing import InvalidToken, LinkSigner

_PREFIX = "a~"
_SEPARATOR = "\x1f"  # ASCII unit separator: in no id, uid or address


class ExpiredToken(InvalidToken):
    """Signed by us, but its time is over."""


class ActionSigner:
    def __init__(self, signer: LinkSigner) -> None:
        self._signer = signer

    def sign(self, purpose: str, fields: Sequence[str], expires_at: datetime) -> str:
        parts = [purpose, str(int(expires_at.timestamp())), *fields]
        if any(_SEPARATOR in part for part in parts):
            raise ValueError("a token field holds the separator")
        raw = base64.urlsafe_b64encode(_SEPARATOR.join(parts).encode()).decode().rstrip("=")
        return self._signer.token(_PREFIX + raw)

    def open(self, token: str, purpose: str, now: datetime) -> list[str]:
        """The fields signed for `purpose`; InvalidToken if forged, altered or for another
        purpose, ExpiredToken once expired."""
        value = self._signer.verify(token)
        if not value.startswith(_PREFIX):
            raise InvalidToken("not an action token")
        encoded = value[len(_PREFIX) :]
        try:
            text = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise InvalidToken("undecodable") from exc
        parts = text.split(_SEPARATOR)
        if len(parts) < 2 or not parts[1].isdigit():
            raise InvalidToken("malformed")
        signed_purpose, expiry, *fields = parts
        if signed_purpose != purpose:
            raise InvalidToken(f"a {signed_purpose} token, not {purpose}")
        if now >= datetime.fromtimestamp(int(expiry), UTC):
            raise ExpiredToken("expired")
        return fields
