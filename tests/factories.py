"""Builders of valid tenders and enterprises for tests; each test overrides what it cares about."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from matcher.decisions import plan_matches
from shared.enterprises import Enterprise
from shared.events import MatchEvent, Tender, TenderEvent, TenderEventKind

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
# Fixed once per run, so two tenders built from the same overrides have the same content.
OPEN_DEADLINE = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0).isoformat()


def tender_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "source": "longueuil",
        "source_id": f"AO-{uuid.uuid4().hex[:10]}",
        "title": "Entretien ménager des bâtiments municipaux",
        "description": "Entretien de 12 bâtiments.",
        "language": "fr",
        "buyer": {
            "name": "Ville de Longueuil",
            "id": "ville-longueuil",
            "territories": ["CA-QC-MUN-58227"],
        },
        "place_of_performance": ["CA-QC-MUN-58227"],
        "classifications": [{"scheme": "UNSPSC", "code": "76111500"}],
        "estimated_value": {"amount": "150000.00", "currency": "CAD"},
        "published_at": "2026-11-20T14:00:00+00:00",
        "submission_deadline": OPEN_DEADLINE,
        "deadline_timezone": "America/Toronto",
        "documents_url": "https://seao.example/avis/1",
    }
    data.update(overrides)
    return data


def make_tender(**overrides: Any) -> Tender:
    return Tender.model_validate(tender_data(**overrides))


def enterprise_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": f"ent-{uuid.uuid4().hex[:10]}",
        "name": "Coopérative Entretien Rive-Sud",
        "social_economy": {
            "kind": "cooperative",
            "verified_by": "Chantier",
            "verified_at": "2026-01-10T10:00:00+00:00",
        },
        "contacts": {"email": f"coop-{uuid.uuid4().hex[:8]}@example.org"},
        "language": "fr",
        "timezone": "America/Toronto",
        "consent": {
            "email": {"granted": True, "at": "2026-01-10T10:00:00+00:00", "source": "test"}
        },
        "profiles": [
            {
                "id": "p1",
                "codes": [{"scheme": "UNSPSC", "prefix": "7611"}],
                "territories": ["CA-QC-AGG-LONGUEUIL"],
            }
        ],
    }
    data.update(overrides)
    return data


def make_enterprise(**overrides: Any) -> Enterprise:
    return Enterprise.model_validate(enterprise_data(**overrides))


def make_match(
    enterprise: Enterprise,
    tender: Tender | None = None,
    kind: TenderEventKind = TenderEventKind.PUBLISHED,
    at: datetime = NOW,
) -> MatchEvent:
    """The match the matcher makes at `at` of a `kind` event of `tender` (a new one by default)
    for `enterprise`, whose profile p1 matched it before unless the event is a publication."""
    event = TenderEvent(kind=kind, tender=tender or make_tender())
    earlier = {enterprise.id: "p1"} if kind != TenderEventKind.PUBLISHED else {}
    [match] = plan_matches(event, [enterprise], earlier, at)
    return match
