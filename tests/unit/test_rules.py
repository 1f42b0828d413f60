from __future__ import annotations

from datetime import timedelta

import pytest

from matcher.rules import (
    Candidate,
    evaluate_candidate,
    evaluate_enterprise,
    evaluate_profile,
    normalise_code,
)
from shared.enterprises import AlertProfile
from tests.factories import NOW, make_enterprise, make_tender


def profile(**overrides: object) -> AlertProfile:
    data: dict[str, object] = {
        "id": "p",
        "codes": [{"scheme": "UNSPSC", "prefix": "7611"}],
        "territories": ["CA-QC-AGG-LONGUEUIL"],
    }
    data.update(overrides)
    return AlertProfile.model_validate(data)


def test_code_prefix_matches_and_says_why() -> None:
    verdict = evaluate_profile(profile(), make_tender(), "en")
    assert verdict is not None
    texts = [reason.text for reason in verdict.reasons]
    assert "UNSPSC 76111500 is under your 7611 profile" in texts
    assert "Longueuil is in your service area (Agglomération de Longueuil)" in texts


def test_other_code_does_not_match() -> None:
    tender = make_tender(classifications=[{"scheme": "UNSPSC", "code": "82121500"}])
    assert evaluate_profile(profile(), tender, "fr") is None


def test_same_digits_in_another_scheme_do_not_match() -> None:
    tender = make_tender(classifications=[{"scheme": "CPV", "code": "76111500-2"}])
    assert evaluate_profile(profile(), tender, "fr") is None


def test_cpv_check_digit_is_ignored() -> None:
    cpv = profile(codes=[{"scheme": "CPV", "prefix": "9091"}], territories=[])
    tender = make_tender(classifications=[{"scheme": "CPV", "code": "90910000-9"}])
    assert normalise_code("CPV", "90910000-9") == "90910000"
    assert evaluate_profile(cpv, tender, "fr") is not None


def test_lot_codes_count() -> None:
    tender = make_tender(
        classifications=[],
        lots=[
            {
                "id": "1",
                "title": "Lot 1",
                "classifications": [{"scheme": "UNSPSC", "code": "76111501"}],
            }
        ],
    )
    assert evaluate_profile(profile(), tender, "fr") is not None


@pytest.mark.parametrize(
    ("served", "place", "fits"),
    [
        ("CA-QC-RA-16", "CA-QC-MUN-58033", True),  # Montérégie covers Boucherville
        ("CA-QC-AGG-LONGUEUIL", "CA-QC-MUN-58012", True),  # the agglomeration covers Saint-Lambert
        ("CA-QC-MUN-58007", "CA-QC-MUN-58227", False),  # Brossard alone does not cover Longueuil
        ("CA-QC-AGG-MONTREAL", "CA-QC-MUN-58227", False),
        ("FR-COM-35238", "FR-COM-29019", False),  # Rennes does not cover Brest
        ("FR-REG-53", "FR-COM-29019", True),  # Bretagne covers Brest
        ("FR-DEP-35", "FRH03", True),  # an eForms NUTS 3 place in Ille-et-Vilaine
        ("FR-COM-35238", "FRH03", False),  # ...is not known to be in Rennes itself
    ],
)
def test_territory_hierarchy(served: str, place: str, fits: bool) -> None:
    tender = make_tender(place_of_performance=[place])
    assert (evaluate_profile(profile(territories=[served]), tender, "fr") is not None) is fits


def test_buyer_territory_stands_in_for_a_missing_place() -> None:
    tender = make_tender(
        place_of_performance=[],
        buyer={"name": "Ville de Brossard", "territories": ["CA-QC-MUN-58007"]},
    )
    assert evaluate_profile(profile(), tender, "fr") is not None


def test_unknown_location_follows_the_profile_choice() -> None:
    tender = make_tender(place_of_performance=[], buyer={"name": "Acheteur", "territories": []})
    assert evaluate_profile(profile(), tender, "fr") is None
    verdict = evaluate_profile(profile(include_unknown_location=True), tender, "fr")
    assert verdict is not None
    assert verdict.reasons[-1].code == "unknown_location"


def test_eligible_enterprise_gets_its_best_profile() -> None:
    enterprise = make_enterprise(
        profiles=[
            {
                "id": "broad",
                "codes": [{"scheme": "UNSPSC", "prefix": "76"}],
                "territories": ["CA-QC"],
            },
            {
                "id": "narrow",
                "codes": [{"scheme": "UNSPSC", "prefix": "761115"}],
                "territories": ["CA-QC-MUN-58227"],
            },
        ]
    )
    verdict = evaluate_enterprise(enterprise, make_tender(), NOW)
    assert verdict is not None
    assert verdict.profile_id == "narrow"


@pytest.mark.parametrize(
    "change",
    [
        {"status": "paused"},
        {"social_economy": {"kind": "cooperative"}},  # not verified
        {
            "consent": {
                "email": {"granted": False, "at": "2026-01-10T10:00:00+00:00", "source": "t"}
            }
        },
    ],
)
def test_ineligible_enterprises_get_nothing(change: dict[str, object]) -> None:
    assert evaluate_enterprise(make_enterprise(**change), make_tender(), NOW) is None


def test_closed_tender_matches_nobody() -> None:
    tender = make_tender(submission_deadline=(NOW - timedelta(hours=1)).isoformat())
    assert evaluate_enterprise(make_enterprise(), tender, NOW) is None


@pytest.mark.parametrize(
    ("reserved", "kind", "fits"),
    [
        ("social_economy", "non_profit", True),
        ("sheltered", "cooperative", False),
        ("sheltered", "sheltered_workshop", True),
        ("insertion", "insertion", True),
        ("insertion", "non_profit", False),
        ("sheltered+insertion", "insertion", True),
        ("sheltered+insertion", "cooperative", False),
    ],
)
def test_reserved_tenders_go_to_the_right_kind(reserved: str, kind: str, fits: bool) -> None:
    enterprise = make_enterprise(
        social_economy={
            "kind": kind,
            "verified_by": "x",
            "verified_at": "2026-01-01T00:00:00+00:00",
        }
    )
    verdict = evaluate_enterprise(enterprise, make_tender(reserved_for=reserved.split("+")), NOW)
    assert (verdict is not None) is fits
    if verdict is not None:
        assert verdict.reasons[-1].code.startswith("reserved")


def test_a_candidate_is_judged_on_the_profiles_the_index_found_fitting_only() -> None:
    enterprise = make_enterprise(
        profiles=[
            {"id": "broad", "codes": [{"scheme": "UNSPSC", "prefix": "76"}]},
            {"id": "narrow", "codes": [{"scheme": "UNSPSC", "prefix": "761115"}]},
        ]
    )
    every = evaluate_candidate(Candidate.every_profile(enterprise), make_tender(), NOW)
    named = evaluate_candidate(Candidate(enterprise, frozenset({"broad"})), make_tender(), NOW)
    none = evaluate_candidate(Candidate(enterprise, frozenset()), make_tender(), NOW)
    assert every is not None
    assert every.profile_id == "narrow"
    assert named is not None
    assert named.profile_id == "broad"
    assert none is None


def test_a_candidate_that_cannot_bid_gets_nothing_whatever_fits() -> None:
    paused = make_enterprise(status="paused")
    assert evaluate_candidate(Candidate.every_profile(paused), make_tender(), NOW) is None
