"""Only enterprises an operator verified are matched; imported ones are vouched for."""

from __future__ import annotations

from matcher.catalogue import EnterpriseCatalogue
from shared.enterprises import Verification
from tests.factories import enterprise_data, make_enterprise, make_tender


def _with(verification: Verification, **status: object) -> dict[str, object]:
    data = enterprise_data()
    data["social_economy"] = {**data["social_economy"], "verification": verification, **status}
    return data


def test_an_enterprise_without_a_verification_state_is_verified() -> None:
    assert make_enterprise().social_economy.verification == Verification.VERIFIED


def test_the_catalogue_holds_verified_enterprises_only() -> None:
    verified = make_enterprise(**_with(Verification.VERIFIED))
    pending = make_enterprise(**_with(Verification.PENDING))
    rejected = make_enterprise(
        **_with(Verification.REJECTED, rejection_reason="not a social-economy enterprise")
    )
    catalogue = EnterpriseCatalogue()
    catalogue.replace_all([verified, pending, rejected])
    assert [c.enterprise.id for c in catalogue.candidates(make_tender())] == [verified.id]


def test_verifying_or_rejecting_is_applied_as_announced() -> None:
    pending = make_enterprise(**_with(Verification.PENDING))
    catalogue = EnterpriseCatalogue()
    catalogue.replace_all([pending])
    verified = pending.model_copy(
        update={
            "social_economy": pending.social_economy.model_copy(update={"verification": "verified"})
        }
    )
    assert catalogue.apply([pending.id], {pending.id: verified}) == 1
    assert len(catalogue.candidates(make_tender())) == 1
    rejected = pending.model_copy(
        update={
            "social_economy": pending.social_economy.model_copy(update={"verification": "rejected"})
        }
    )
    assert catalogue.apply([pending.id], {pending.id: rejected}) == 1
    assert catalogue.candidates(make_tender()) == []
