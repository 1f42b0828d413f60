"""The URLs every message carries: preference centre, one-click unsubscribe, mailto fallback."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from notifier.signing import LinkSigner


@dataclass(frozen=True)
class Links:
    preferences: str
    # RFC 8058: a POST here unsubscribes at once; a GET only shows a confirmation page, since
    # mail scanners follow links.
    unsubscribe: str
    unsubscribe_mailto: str


class LinkBuilder:
    def __init__(self, signer: LinkSigner, public_base_url: str, unsubscribe_mailbox: str) -> None:
        self._signer = signer
        self._base = public_base_url.rstrip("/")
        self._mailbox = unsubscribe_mailbox

    def for_enterprise(self, enterprise_id: str, language: str) -> Links:
        token = quote(self._signer.token(enterprise_id), safe="")
        return Links(
            preferences=f"{self._base}/preferences/{token}?lang={language}",
            unsubscribe=f"{self._base}/unsubscribe/{token}?lang={language}",
            unsubscribe_mailto=f"mailto:{self._mailbox}?subject=unsubscribe%20{token}",
        )
