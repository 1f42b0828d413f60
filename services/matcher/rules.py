"""Eligibility rules: does an enterprise's alert profile fit a tender, and why.

Pure functions over the shared models; no I/O. A profile matches when every condition it sets
holds: its filters (value range, categories, reserved-only) let the tender through, none of its
vetoed words is in the notice, one of its code prefixes covers one of the tender's codes (its
lots' included), its wanted words are found (one of `any`, every one of `all`), and the place of
performance (else the buyer's territory) lies in one of its territories. Codes or wanted words
must be set; either is enough. `matcher.index` answers the same question for all profiles at
once and calls `keywords_hold` and `filters_hold` to settle what its keys cannot.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from matcher.reasons import reason
from matcher.text import StemmedText, stemmed_text, stems
from shared.enterprises import AlertProfile, Enterprise, SocialEconomyKind
from shared.events import Classification, CodeScheme, MatchReason, ReservedFor, Tender
from shared.territories import ancestors_and_self, name_of


@dataclass(frozen=True)
class Verdict:
    profile_id: str
    score: float
    reasons: list[MatchReason]


@dataclass(frozen=True)
class Candidate:
    """An enterprise and the ids of those of its profiles that fit a tender, as the profile
    index found them: only these are evaluated again, for their reasons and score."""

    enterprise: Enterprise
    profile_ids: frozenset[str]

    @classmethod
    def every_profile(cls, enterprise: Enterprise) -> Candidate:
        """For a caller that holds no index: every profile is tried."""
        return cls(enterprise, frozenset(profile.id for profile in enterprise.profiles))


def fitting_profiles(enterprises: Iterable[Enterprise], tender: Tender) -> set[tuple[str, str]]:
    """Every (enterprise id, profile id) whose profile fits `tender`, each profile tried: what
    the index's candidates must equal (its tests and benchmark check it against this)."""
    return {
        (enterprise.id, profile.id)
        for enterprise in enterprises
        for profile in enterprise.profiles
        if evaluate_profile(profile, tender, enterprise.language) is not None
    }


def normalise_code(scheme: CodeScheme | str, code: str) -> str:
    """Digits only; a CPV check digit (`90910000-9`) is dropped."""
    if scheme == CodeScheme.CPV:
        code = code.split("-", 1)[0]
    return "".join(char for char in code if char.isdigit())


def tender_codes(tender: Tender) -> list[Classification]:
    return list(tender.classifications) + [c for lot in tender.lots for c in lot.classifications]


def tender_places(tender: Tender) -> list[str]:
    return list(tender.place_of_performance) or list(tender.buyer.territories)


_RESERVED_KINDS: dict[ReservedFor, set[str]] = {
    ReservedFor.SOCIAL_ECONOMY: {kind.value for kind in SocialEconomyKind},
    ReservedFor.SHELTERED: {SocialEconomyKind.SHELTERED_WORKSHOP.value},
    ReservedFor.INSERTION: {SocialEconomyKind.INSERTION.value},
}


def _code_reason(
    profile: AlertProfile, tender: Tender, language: str
) -> tuple[float, MatchReason] | None:
    if not profile.codes:
        return None
    best: tuple[float, MatchReason] | None = None
    for classification in tender_codes(tender):
        code = normalise_code(classification.scheme, classification.code)
        for wanted in profile.codes:
            if wanted.scheme == classification.scheme and code.startswith(wanted.prefix):
                depth = min(1.0, len(wanted.prefix) / 8)
                if best is None or depth > best[0]:
                    why = reason(
                        "code", language, scheme=str(wanted.scheme), code=code, prefix=wanted.prefix
                    )
                    best = (depth, why)
    return best


def _territory_reason(
    profile: AlertProfile, tender: Tender, language: str
) -> tuple[float, MatchReason] | None:
    places = tender_places(tender)
    if not places:
        if profile.include_unknown_location:
            return 0.2, reason("unknown_location", language)
        return None
    served = set(profile.territories)
    for place in places:
        for distance, area in enumerate(ancestors_and_self(place)):
            if area in served:
                why = reason("territory", language, place=name_of(place), area=name_of(area))
                return 1.0 / (1 + distance), why
    return None


def tender_text(tender: Tender) -> str:
    lots = " ".join(f"{lot.title} {lot.description or ''}" for lot in tender.lots)
    return f"{tender.title} {tender.description or ''} {lots}"


PhraseFinder = Callable[[str], bool]


class _Phrases(dict[str, bool]):
    """Phrase → whether the text has it, filled on first asking."""

    __slots__ = ("language", "text")

    def __init__(self, text: StemmedText, language: str) -> None:
        super().__init__()
        self.text, self.language = text, language

    def __missing__(self, phrase: str) -> bool:
        found = self[phrase] = self.text.contains(stems(phrase, self.language))
        return found


def phrase_finder(tender: Tender) -> PhraseFinder:
    """Whether a phrase is in the tender's text; each phrase is looked for once."""
    language = tender.language
    return _Phrases(stemmed_text(tender_text(tender), language), language).__getitem__


def keywords_hold(
    any_: Sequence[str], all_: Sequence[str], none: Sequence[str], has: PhraseFinder
) -> bool:
    """No vetoed phrase is found, every `all` one is, and one `any` one if there are some."""
    return not any(map(has, none)) and all(map(has, all_)) and (not any_ or any(map(has, any_)))


def keywords_found(
    any_: Sequence[str], all_: Sequence[str], none: Sequence[str], has: PhraseFinder
) -> list[str] | None:
    """The wanted phrases found, or None when the keywords do not hold."""
    if not keywords_hold(any_, all_, none, has):
        return None
    return [phrase for phrase in (*any_, *all_) if has(phrase)]


def _keyword_reason(
    profile: AlertProfile, tender: Tender, language: str
) -> tuple[float, MatchReason] | bool | None:
    """False: vetoed or wanted words missing; None: the profile sets no wanted words."""
    wanted = profile.keywords
    if not (wanted.any or wanted.all or wanted.none):
        return None
    found = keywords_found(wanted.any, wanted.all, wanted.none, phrase_finder(tender))
    if found is None:
        return False
    if not found:
        return None
    return 0.8, reason("keyword", language, words=", ".join(f"« {k} »" for k in found))


Bounds = tuple[str, Decimal | None, Decimal | None]  # currency, min, max


def filters_hold(
    tender: Tender, reserved_only: bool, categories: Collection[str], bounds: Bounds | None
) -> bool:
    """Value range, categories, reserved-only; what a tender does not say does not exclude it."""
    if reserved_only and not tender.reserved_for:
        return False
    if categories and tender.category and tender.category not in categories:
        return False
    value = tender.estimated_value
    if bounds is None or value is None or value.currency != bounds[0]:
        return True
    low, high = bounds[1], bounds[2]
    return (low is None or value.amount >= low) and (high is None or value.amount <= high)


def value_bounds(profile: AlertProfile) -> Bounds | None:
    bounds = profile.value_range
    return None if bounds is None else (bounds.currency, bounds.min, bounds.max)


def passes_filters(profile: AlertProfile, tender: Tender) -> bool:
    return filters_hold(tender, profile.reserved_only, profile.categories, value_bounds(profile))


def evaluate_profile(profile: AlertProfile, tender: Tender, language: str) -> Verdict | None:
    """The verdict of one profile, or None when it does not fit.

    Wanted keywords can stand in for codes; a profile with neither never matches."""
    if not passes_filters(profile, tender):
        return None
    keyword = _keyword_reason(profile, tender, language)
    if keyword is False:
        return None
    code = _code_reason(profile, tender, language)
    if profile.codes and code is None:
        return None
    found = [part for part in (code, keyword) if isinstance(part, tuple)]
    if not found:
        return None
    territory: tuple[float, MatchReason] | None
    if profile.territories:
        territory = _territory_reason(profile, tender, language)
        if territory is None:
            return None
    else:
        territory = None
    parts = found + ([territory] if territory else [])
    score = sum(part[0] for part in parts) / len(parts)
    return Verdict(profile.id, round(score, 3), [part[1] for part in parts])


def is_eligible(enterprise: Enterprise, tender: Tender, now: datetime) -> bool:
    """The enterprise could bid: active, verified, reachable, of the kind reserved for."""
    status = enterprise.social_economy
    if enterprise.status != "active" or not (status.verified_by and status.verified_at):
        return False
    if not (enterprise.consents_to("email") or enterprise.consents_to("sms")):
        return False
    if tender.submission_deadline <= now:
        return False
    # Several reservations mean any of them: EU "res-ws" covers sheltered workshops and
    # work-integration enterprises alike, so a notice may list both.
    if not tender.reserved_for:
        return True
    return any(status.kind in _RESERVED_KINDS[reserved] for reserved in tender.reserved_for)


def _reserved_reasons(tender: Tender, language: str) -> list[MatchReason]:
    codes = {
        ReservedFor.SOCIAL_ECONOMY: "reserved",
        ReservedFor.SHELTERED: "reserved_sheltered",
        ReservedFor.INSERTION: "reserved_insertion",
    }
    return [reason(codes[ReservedFor(item)], language) for item in tender.reserved_for]


def evaluate_enterprise(enterprise: Enterprise, tender: Tender, now: datetime) -> Verdict | None:
    """The best-scoring profile of an eligible enterprise that fits the tender, if any."""
    return evaluate_candidate(Candidate.every_profile(enterprise), tender, now)


def evaluate_candidate(candidate: Candidate, tender: Tender, now: datetime) -> Verdict | None:
    """The best-scoring of the candidate's fitting profiles, if the enterprise is eligible.

    Profiles are tried in the enterprise's order, so a tie goes to the first, as it would
    among all of them; a profile the candidate does not name is not evaluated."""
    enterprise = candidate.enterprise
    if not is_eligible(enterprise, tender, now):
        return None
    verdicts = [
        v
        for p in enterprise.profiles
        if p.id in candidate.profile_ids
        and (v := evaluate_profile(p, tender, enterprise.language)) is not None
    ]
    if not verdicts:
        return None
    best = max(verdicts, key=lambda verdict: verdict.score)
    extra = _reserved_reasons(tender, enterprise.language)
    return Verdict(best.profile_id, best.score, best.reasons + extra)
