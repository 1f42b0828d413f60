"""A tender's reach, aggregated: counts by kind and territory, answers, and contacts only where
the enterprise agreed."""

from __future__ import annotations

from datetime import UTC, datetime

from ingest.reach import ANYWHERE, Alerted, tender_reach
from tests.factories import make_enterprise

AT = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
CONSENT = {"granted": True, "at": AT, "source": "signup-form"}


def _enterprise(name: str, kind: str, territories: list[str], **extra: object) -> Alerted:
    enterprise = make_enterprise(
        name=name,
        social_economy={"kind": kind},
        profiles=[{"id": "p", "keywords": {"any": ["ménage"]}, "territories": territories}],
        **extra,
    )
    return Alerted(enterprise, "p")


def test_the_reach_counts_and_names_only_who_agreed() -> None:
    coop = _enterprise("Coop A", "cooperative", ["CA-QC-RA-16"], buyer_contact=CONSENT)
    shy = _enterprise("OBNL B", "non_profit", ["CA-QC-RA-16", "CA-QC-RA-06"])
    far = _enterprise("Insertion C", "insertion", [])
    quiet = _enterprise("Coop D", "cooperative", ["CA-QC-RA-06"], buyer_contact=CONSENT)
    answers: dict[str, dict[str, object]] = {
        coop.enterprise.id: {"answer": "interested", "documents_first_at": AT},
        shy.enterprise.id: {"answer": "interested"},
        far.enterprise.id: {"answer": "declined", "reason": "too_far", "documents_first_at": AT},
    }
    reach = tender_reach("longueuil:AO-1", [coop, shy, far, quiet], answers)
    assert reach.model_dump(exclude={"documents_note", "contacts"}) == {
        "uid": "longueuil:AO-1",
        "alerted": 4,
        "by_kind": {"cooperative": 2, "non_profit": 1, "insertion": 1},
        "by_territory": {"CA-QC-RA-16": 2, "CA-QC-RA-06": 2, ANYWHERE: 1},
        "documents_opened": 2,
        "interested": 2,
        "declined": 1,
        "declined_by_reason": {"too_far": 1},
        "no_answer": 1,
    }
    # Coop D agreed to be contacted but did not declare interest: not named.
    assert [c.model_dump() for c in reach.contacts] == [
        {"name": "Coop A", "email": str(coop.enterprise.contacts.email), "kind": "cooperative"}
    ]


def test_nobody_alerted() -> None:
    reach = tender_reach("longueuil:AO-2", [], {})
    assert (reach.alerted, reach.no_answer, reach.contacts, reach.by_kind) == (0, 0, [], {})
