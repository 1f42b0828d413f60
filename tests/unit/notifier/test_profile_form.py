"""The profile editor's form: what it reads, what it refuses (every field at once), and saves."""

from __future__ import annotations

from decimal import Decimal

import pytest

from notifier.profile_form import Draft, check, draft_of, keyword_list, parse_amount, read_draft
from shared.enterprises import AlertProfile


def _form(**fields: str | list[str]) -> dict[str, list[str]]:
    return {k: v if isinstance(v, list) else [v] for k, v in fields.items()}


def test_a_full_form_becomes_the_profile() -> None:
    draft = read_draft(
        _form(
            name=" Entretien ",
            code=["CPV:9091", "UNSPSC:7611", "CPV:9091"],
            territory=["CA-QC-AGG-LONGUEUIL", "FR-DEP-35"],
            include_unknown_location="on",
            keywords_any="entretien ménager, conciergerie",
            keywords_none="amiante",
            currency="CAD",
            value_min="10 000",
            value_max="250 000,50",
            category=["services"],
            reserved_only="on",
            channel=["email"],
            cadence="daily",
        )
    )
    checked = check(draft, "p-1", "fr", channels=["email", "sms"])
    assert checked.errors == {}
    profile = checked.profile
    assert profile is not None
    assert profile.name == "Entretien"
    assert [(c.scheme, c.prefix) for c in profile.codes] == [("CPV", "9091"), ("UNSPSC", "7611")]
    assert profile.territories == ["CA-QC-AGG-LONGUEUIL", "FR-DEP-35"]
    assert profile.keywords.any == ["entretien ménager", "conciergerie"]
    assert profile.keywords.none == ["amiante"]
    assert profile.value_range is not None
    assert (profile.value_range.min, profile.value_range.max) == (
        Decimal("10000.00"),
        Decimal("250000.50"),
    )
    assert (profile.categories, profile.reserved_only) == (["services"], True)
    assert (profile.channels, profile.cadence) == (["email"], "daily")
    assert profile.include_unknown_location


def test_a_stored_profile_round_trips_through_its_form() -> None:
    profile = AlertProfile.model_validate(
        {
            "id": "p1",
            "name": "Déneigement",
            "codes": [{"scheme": "CPV", "prefix": "9062"}],
            "keywords": {"any": ["déneigement"], "all": [], "none": ["toiture"]},
            "value_range": {"currency": "EUR", "max": "90000"},
            "territories": ["FR-EPCI-243500139"],
            "channels": None,
            "cadence": "weekly",
        }
    )
    form = draft_of(profile)
    fields = {
        "name": [form.name],
        "code": form.codes,
        "territory": form.territories,
        "keywords_any": [form.keywords["any"]],
        "keywords_none": [form.keywords["none"]],
        "currency": [form.currency],
        "value_max": [form.value_max],
        "channel": form.channels,
        "cadence": [form.cadence],
    }
    again = check(read_draft(fields), "p1", "en", channels=["email", "sms"]).profile
    assert again == profile


def test_every_wrong_field_is_named_at_once_in_the_readers_language() -> None:
    draft = Draft(
        name="x" * 101,
        codes=["CPV:0199", "UNSPSC:0500", "HS:12", "NAICS:99"],
        territories=["CA-QC-NOWHERE"],
        keywords={"any": "a, ok", "all": "", "none": ""},
        value_min="beaucoup",
        value_max="100",
        channels=["sms"],
        cadence="hourly",
    )
    errors = check(draft, "p1", "fr", channels=["email"]).errors
    assert list(errors) == [  # in the page's order, for the summary at its top
        "name",
        "codes",
        "keywords_any",
        "territories",
        "value_min",
        "channels",
        "cadence",
    ]
    assert errors["codes"] == "« 0199 » : aucun code CPV ne commence par ces chiffres."
    assert "CA-QC-NOWHERE" in errors["territories"]
    english = check(draft, "p1", "en", channels=["email"]).errors
    assert english["value_min"] == "An amount in figures, such as 150000 or 150,000.50."


def test_a_profile_needs_codes_or_wanted_words_and_a_sane_range() -> None:
    nothing = check(Draft(keywords={"any": "", "all": "", "none": "amiante"}), "p", "en")
    assert "would catch nothing" in nothing.errors["codes"]
    summary_order = check(Draft(value_max="lots"), "p", "en").errors
    assert list(summary_order) == ["codes", "value_max"]
    upside_down = check(Draft(codes=["CPV:45"], value_min="9", value_max="1"), "p", "en")
    assert upside_down.errors == {"value_min": "The minimum is above the maximum."}
    words_only = check(Draft(keywords={"any": "", "all": "traiteur", "none": ""}), "p", "en")
    assert words_only.profile is not None


def test_all_reachable_channels_ticked_means_whatever_the_enterprise_consents_to() -> None:
    both = check(Draft(codes=["CPV:45"], channels=["email", "sms"]), "p", "fr", ["email", "sms"])
    assert both.profile is not None
    assert both.profile.channels is None
    email_only_enterprise = check(Draft(codes=["CPV:45"], channels=["email"]), "p", "fr", ["email"])
    assert email_only_enterprise.profile is not None
    assert email_only_enterprise.profile.channels is None


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("150000", Decimal("150000.00")),
        ("150 000,50", Decimal("150000.50")),
        ("150\u202f000", Decimal("150000.00")),
        ("150,000.50", Decimal("150000.50")),
        ("150,000", Decimal("150000.00")),
        ("1,5", Decimal("1.50")),
        ("75 000 $", Decimal("75000.00")),
        ("", None),
    ],
)
def test_amounts_as_people_type_them(typed: str, amount: Decimal | None) -> None:
    assert parse_amount(typed) == amount


@pytest.mark.parametrize("typed", ["beaucoup", "-5", "1e5x", "NaN"])
def test_what_is_not_an_amount(typed: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        parse_amount(typed)


def test_keywords_are_separated_by_commas_or_semicolons() -> None:
    assert keyword_list(" déneigement ; entretien ménager,, ") == [
        "déneigement",
        "entretien ménager",
    ]
