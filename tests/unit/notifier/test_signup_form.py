"""The sign-up form read and checked: identifiers, contacts, consent, and the honeypot."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from notifier.signup_form import (
    SignupErrors,
    enterprise_id_for,
    is_bot,
    luhn_holds,
    neq_is_valid,
    read_signup,
    signup_document,
    siret_is_valid,
)
from shared.enterprises import Enterprise, Verification

VALID = {
    "name": "  Coop  Entretien   Longueuil ",
    "kind": "cooperative",
    "neq": "1143 456 789",
    "siret": "",
    "keywords": "entretien ménager, déneigement ,entretien ménager",
    "email": "Info@Coop-Entretien.example",
    "phone": "",
    "language": "fr",
    "timezone": "America/Toronto",
    "consent_email": "on",
}


def _errors(**changes: str) -> dict[str, str]:
    with pytest.raises(SignupErrors) as caught:
        read_signup({**VALID, **changes})
    return caught.value.fields


def test_luhn_key() -> None:
    assert luhn_holds("79927398713")
    assert not luhn_holds("79927398710")


@pytest.mark.parametrize(
    "siret",
    [
        "73282932000074",  # INSEE's own example (SIREN 732829320, 7th establishment)
        "35600000000048",  # La Poste's head office: passes Luhn
        "35600000049837",  # a La Poste establishment: fails Luhn, digit sum 45
    ],
)
def test_valid_sirets(siret: str) -> None:
    assert siret_is_valid(siret)


@pytest.mark.parametrize(
    "siret",
    [
        "73282932000075",  # key off by one
        "7328293200007",  # 13 digits
        "7328293200007A",
        "35600000049838",  # La Poste: digit sum 46, and Luhn fails
        "１２３４５６７８９０１２３４",  # full-width digits are digits to str.isdigit, not to INSEE
    ],
)
def test_invalid_sirets(siret: str) -> None:
    assert not siret_is_valid(siret)


def test_the_la_poste_rule_is_only_for_la_poste() -> None:
    # Digit sum 50 but another SIREN, and the Luhn key fails: refused.
    assert sum(map(int, "12345678900041")) % 5 == 0
    assert not luhn_holds("12345678900041")
    assert not siret_is_valid("12345678900041")


def test_neq_form() -> None:
    assert neq_is_valid("1143456789")
    assert not neq_is_valid("114345678")
    assert not neq_is_valid("11434567890")
    assert not neq_is_valid("11434567a9")


def test_a_valid_form_is_read_and_normalised() -> None:
    request = read_signup(VALID)
    assert request.name == "Coop Entretien Longueuil"
    assert request.neq == "1143456789"
    assert request.siret is None
    assert request.email == "info@coop-entretien.example"
    assert request.keywords == ("entretien ménager", "déneigement")
    assert request.enterprise_id == enterprise_id_for("info@coop-entretien.example")
    assert not request.sms
    assert not request.buyer_contact


def test_every_wrong_field_is_named() -> None:
    errors = _errors(
        name="",
        kind="charity",
        neq="123",
        siret="73282932000075",
        email="not-an-address",
        language="de",
        timezone="Mars/Olympus",
        consent_email="",
        keywords="",
    )
    assert errors == {
        "name": "required",
        "kind": "choice_invalid",
        "neq": "neq_invalid",
        "siret": "siret_key",
        "language": "choice_invalid",
        "timezone": "choice_invalid",
        "email": "email_invalid",
        "consent_email": "consent_required",
        "keywords": "required",
    }


def test_one_identifier_is_required() -> None:
    assert _errors(neq="", siret="")["neq"] == "identifier_required"


def test_siret_alone_is_enough() -> None:
    assert read_signup({**VALID, "neq": "", "siret": "732 829 320 00074"}).siret == "73282932000074"


def test_mobile_number_to_e164_with_the_region_of_the_time_zone() -> None:
    quebec = read_signup({**VALID, "phone": "514 555 0199", "consent_sms": "on"})
    france = read_signup(
        {**VALID, "timezone": "Europe/Paris", "phone": "06 12 34 56 78", "consent_sms": "on"}
    )
    assert (quebec.phone, quebec.sms) == ("+15145550199", True)
    assert france.phone == "+33612345678"


def test_phone_errors() -> None:
    assert _errors(phone="12")["phone"] == "phone_invalid"
    assert _errors(timezone="Europe/Paris", phone="01 42 68 53 00")["phone"] == "phone_not_mobile"
    assert _errors(consent_sms="on")["phone"] == "phone_for_sms"


def test_honeypot() -> None:
    assert is_bot({**VALID, "website": "http://spam.example"})
    assert not is_bot({**VALID, "website": " "})
    assert not is_bot(VALID)


def test_the_document_is_a_pending_enterprise_with_the_form_consent() -> None:
    at = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
    request = read_signup(
        {**VALID, "phone": "514 555 0199", "consent_sms": "on", "buyer_contact": "on"}
    )
    enterprise = Enterprise.model_validate(signup_document(request, at))
    assert enterprise.social_economy.verification == Verification.PENDING
    assert not enterprise.is_matchable()
    assert not enterprise.consents_to("email")  # only once the address is confirmed
    assert enterprise.consent["sms"].model_dump() == {
        "granted": True,
        "at": at,
        "source": "signup-form",
    }
    assert enterprise.contactable_by_buyers()
    assert enterprise.profiles[0].keywords.any == ["entretien ménager", "déneigement"]
