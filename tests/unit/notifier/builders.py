"""Matches and links for the notifier's unit tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from notifier.links import LinkBuilder
from notifier.render import Sender
from notifier.signing import LinkSigner
from shared.enterprises import Enterprise
from shared.events import MatchEvent, TenderEventKind
from tests.factories import make_enterprise, make_match, make_tender

SENDER = Sender("Vigie", "alertes@vigie.example", "1 rue Test, Longueuil", "aide@vigie.example")
SIGNER = LinkSigner("unit-test-signing-key-0123456789")
LINKS = LinkBuilder(SIGNER, "https://vigie.example", "desabonnement@vigie.example")


def a_match(
    enterprise: Enterprise | None = None,
    kind: TenderEventKind = TenderEventKind.PUBLISHED,
    **tender: Any,
) -> MatchEvent:
    enterprise = enterprise or make_enterprise()
    fields: dict[str, Any] = {
        "title": "Entretien ménager",
        "submission_deadline": "2027-01-15T19:00:00+00:00",
        "revision": 1 if kind == TenderEventKind.PUBLISHED else 2,
    }
    return make_match(enterprise, make_tender(**{**fields, **tender}), kind)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)
