"""What match events a tender event produces, given the enterprises and earlier matches. Pure."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime

from matcher.reasons import changes_reason
from matcher.rules import Candidate, evaluate_candidate
from shared.enterprises import Enterprise
from shared.events import (
    MatchEvent,
    MatchKind,
    MatchReason,
    TenderEvent,
    TenderEventKind,
    match_id_for,
)
from shared.languages import written_language

_EVENT_NAMESPACE = uuid.UUID("5b7c4a52-8f0e-4f43-9c39-5f0d6a0e2b1e")

_CANCELLED_TEXT = {
    "fr": "Cet appel d'offres a été annulé par l'acheteur",
    "en": "The buyer cancelled this call for tenders",
}


def _event_id(match_id: str, kind: MatchKind) -> uuid.UUID:
    """Deterministic, so a redelivered tender event republishes the very same match event."""
    return uuid.uuid5(_EVENT_NAMESPACE, f"{match_id}|{kind}")


def plan_matches(
    event: TenderEvent, enterprises: Iterable[Enterprise], earlier: Mapping[str, str], now: datetime
) -> list[MatchEvent]:
    """`plan_for` with every profile of each enterprise tried: for callers without an index."""
    return plan_for(event, map(Candidate.every_profile, enterprises), earlier, now)


def plan_for(
    event: TenderEvent, candidates: Iterable[Candidate], earlier: Mapping[str, str], now: datetime
) -> list[MatchEvent]:
    """The match events of a tender event. `earlier` maps the enterprises matched on an
    earlier revision to their profile id; a cancellation reaches those among the candidates
    and evaluates no profile, else each candidate's fitting profiles are evaluated."""
    if event.kind == TenderEventKind.CANCELLED:
        return _cancellations(event, (c.enterprise for c in candidates), earlier)
    tender = event.tender
    planned: list[MatchEvent] = []
    for candidate in candidates:
        verdict = evaluate_candidate(candidate, tender, now)
        if verdict is None:
            continue
        enterprise = candidate.enterprise
        kind = MatchKind.AMENDED if enterprise.id in earlier else MatchKind.NEW
        reasons = list(verdict.reasons)
        if kind == MatchKind.AMENDED and event.changed_fields:
            reasons.insert(0, changes_reason(event.changed_fields, enterprise.language))
        match_id = match_id_for(tender.uid, tender.revision, enterprise.id)
        planned.append(
            MatchEvent(
                event_id=_event_id(match_id, kind),
                kind=kind,
                match_id=match_id,
                enterprise_id=enterprise.id,
                profile_id=verdict.profile_id,
                score=verdict.score,
                reasons=reasons,
                language=enterprise.language,
                tender=tender,
                tender_accepted_at=event.occurred_at,
            )
        )
    return planned


def _cancellations(
    event: TenderEvent, enterprises: Iterable[Enterprise], earlier: Mapping[str, str]
) -> list[MatchEvent]:
    tender = event.tender
    planned: list[MatchEvent] = []
    for enterprise in enterprises:
        if enterprise.id not in earlier:
            continue
        match_id = match_id_for(tender.uid, tender.revision, enterprise.id)
        text = _CANCELLED_TEXT[written_language(enterprise.language)]
        planned.append(
            MatchEvent(
                event_id=_event_id(match_id, MatchKind.CANCELLED),
                kind=MatchKind.CANCELLED,
                match_id=match_id,
                enterprise_id=enterprise.id,
                profile_id=earlier[enterprise.id],
                score=1.0,
                reasons=[MatchReason(code="cancelled", text=text)],
                language=enterprise.language,
                tender=tender,
                tender_accepted_at=event.occurred_at,
            )
        )
    return planned
