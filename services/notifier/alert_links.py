"""The signed links of one alert: answer it (interested, or not and why) and open its documents.

One token per (enterprise, tender), for the purpose `alert`, valid until 90 days after the
submission deadline: long enough to answer after the fact, short enough that an old message
stops being a key. The same token serves the answer page and the documents redirect, so every
message about the tender (alert, amendment, reminder, digest) carries the same links. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from notifier.action_tokens import ActionSigner
from shared.events import MatchEvent
from shared.interest import Answer, DeclineReason

ALERT_PURPOSE = "alert"
VALID_AFTER_DEADLINE = timedelta(days=90)


@dataclass(frozen=True)
class AlertLinks:
    page: str
    interested: str
    # One per reason, in `DeclineReason` order: (reason, url).
    declined: tuple[tuple[str, str], ...]
    documents: str | None


class AlertLinkBuilder:
    def __init__(self, actions: ActionSigner, public_base_url: str) -> None:
        self._actions = actions
        self._base = public_base_url.rstrip("/")

    def token(self, enterprise_id: str, match: MatchEvent) -> str:
        expires = match.tender.submission_deadline + VALID_AFTER_DEADLINE
        return self.token_until(enterprise_id, match.tender.uid, expires)

    def token_until(self, enterprise_id: str, tender_uid: str, expires: datetime) -> str:
        return self._actions.sign(ALERT_PURPOSE, [enterprise_id, tender_uid], expires)

    def for_alert(self, enterprise_id: str, match: MatchEvent, language: str) -> AlertLinks:
        token = self.token(enterprise_id, match)
        page = f"{self._base}/alert/{token}?lang={language}"
        declined = Answer.DECLINED.value
        return AlertLinks(
            page=page,
            interested=f"{page}&answer={Answer.INTERESTED.value}",
            declined=tuple(
                (reason.value, f"{page}&answer={declined}&reason={reason.value}")
                for reason in DeclineReason
            ),
            documents=(f"{self._base}/documents/{token}" if match.tender.documents_url else None),
        )
