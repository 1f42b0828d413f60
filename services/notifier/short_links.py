"""Short links for text messages: `/a/{code}` stands for an alert's signed answer page.

A signed alert link is some 140 characters: a French text in UCS-2 holds 134 in two segments,
so it would leave no room for the title. The code is the first 12 characters (72 bits) of the
MAC of (enterprise, tender) under the links' key, so it is the same every time (writing it is
an idempotent upsert) and cannot be guessed; `short_links` maps it (`_id`) to the enterprise,
the tender, the language and the expiry of the answer page it redirects to.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from pymongo.asynchronous.database import AsyncDatabase

from notifier.alert_links import VALID_AFTER_DEADLINE, AlertLinkBuilder
from notifier.signing import LinkSigner
from shared.events import MatchEvent
from shared.mongo import Document

CODE_CHARS = 12
_PURPOSE = "s~"  # `~` is in no enterprise id: never a preference-centre value


class AlertShortener(Protocol):
    """What a text message needs: one short link to the alert's answer page."""

    async def for_alert(self, enterprise_id: str, match: MatchEvent, language: str) -> str: ...


class ShortLinks:
    def __init__(
        self,
        db: AsyncDatabase[Document],
        signer: LinkSigner,
        alerts: AlertLinkBuilder,
        public_base_url: str,
    ) -> None:
        self._links = db["short_links"]
        self._signer = signer
        self._alerts = alerts
        self._base = public_base_url.rstrip("/")

    def code(self, enterprise_id: str, tender_uid: str) -> str:
        token = self._signer.token(f"{_PURPOSE}{enterprise_id}#{tender_uid}")
        return token.rpartition(".")[2][:CODE_CHARS]

    async def for_alert(self, enterprise_id: str, match: MatchEvent, language: str) -> str:
        """The short URL of the alert's answer page, stored before it is handed out."""
        code = self.code(enterprise_id, match.tender.uid)
        await self._links.update_one(
            {"_id": code},
            {
                "$set": {"language": language},
                "$setOnInsert": {
                    "enterprise_id": enterprise_id,
                    "tender_uid": match.tender.uid,
                    "expires_at": match.tender.submission_deadline + VALID_AFTER_DEADLINE,
                },
            },
            upsert=True,
        )
        return f"{self._base}/a/{code}"

    async def target(self, code: str, now: datetime) -> str | None:
        """The answer page (path and query) a code stands for; None if unknown or expired."""
        if len(code) != CODE_CHARS:
            return None
        found = await self._links.find_one({"_id": code})
        if found is None or found["expires_at"] <= now:
            return None
        token = self._alerts.token_until(
            found["enterprise_id"], found["tender_uid"], found["expires_at"]
        )
        return f"/alert/{token}?lang={found.get('language', 'fr')}"
