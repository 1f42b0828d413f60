"""A tender's reach, as its publisher may see it: how many social-economy enterprises were
alerted, of which kinds and serving which territories, and what they did with the alert. Pure.

Aggregates only. An enterprise is named (name, email, kind) only when it declared interest in
this tender and chose to be contactable by the buyers of the calls it is interested in
(`Enterprise.buyer_contact`); nothing else about any enterprise leaves Vigie.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from pydantic import BaseModel

from shared.enterprises import Enterprise
from shared.interest import Answer, DeclineReason

ANYWHERE = "anywhere"
DOCUMENTS_NOTE = (
    "enterprises that followed the documents link at least once; an upper bound, since some "
    "mail filters open every link of a message"
)


class Contact(BaseModel):
    name: str
    email: str | None
    kind: str


class Reach(BaseModel):
    uid: str
    alerted: int
    by_kind: dict[str, int]
    # By the territories the enterprise serves (those of its matched alert profile); an
    # enterprise serving several counts in each, so these may add up to more than `alerted`.
    by_territory: dict[str, int]
    documents_opened: int
    documents_note: str = DOCUMENTS_NOTE
    interested: int
    declined: int
    declined_by_reason: dict[str, int]
    no_answer: int
    contacts: list[Contact]


@dataclass(frozen=True)
class Alerted:
    """An enterprise a tender was delivered to, with the profile that matched it."""

    enterprise: Enterprise
    profile_id: str | None


def _territories(alerted: Alerted) -> list[str]:
    profile = alerted.enterprise.profile(alerted.profile_id) if alerted.profile_id else None
    return list(profile.territories) if profile and profile.territories else [ANYWHERE]


def tender_reach(uid: str, alerted: list[Alerted], answers: dict[str, dict[str, object]]) -> Reach:
    """`answers`: the `interest` records of these enterprises for this tender, by enterprise id."""
    reasons: Counter[str] = Counter()
    interested: list[Enterprise] = []
    for item in alerted:
        record = answers.get(item.enterprise.id, {})
        if record.get("answer") == Answer.INTERESTED.value:
            interested.append(item.enterprise)
        elif record.get("answer") == Answer.DECLINED.value:
            reasons[str(record.get("reason") or DeclineReason.OTHER.value)] += 1
    declined = sum(reasons.values())
    return Reach(
        uid=uid,
        alerted=len(alerted),
        by_kind=dict(Counter(str(a.enterprise.social_economy.kind) for a in alerted)),
        by_territory=dict(Counter(t for a in alerted for t in _territories(a))),
        documents_opened=sum(
            1 for a in alerted if answers.get(a.enterprise.id, {}).get("documents_first_at")
        ),
        interested=len(interested),
        declined=declined,
        declined_by_reason={r.value: reasons[r.value] for r in DeclineReason if reasons[r.value]},
        no_answer=len(alerted) - len(interested) - declined,
        contacts=[
            Contact(
                name=e.name,
                email=str(e.contacts.email) if e.contacts.email else None,
                kind=str(e.social_economy.kind),
            )
            for e in sorted(interested, key=lambda e: e.name)
            if e.contactable_by_buyers()
        ],
    )
