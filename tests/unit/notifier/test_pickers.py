"""The pickers' searches: CPV by French or English label, other schemes by typed code,
territories of Québec and France by name, bounded."""

from __future__ import annotations

from notifier.pickers import (
    MAX_RESULTS,
    Choice,
    code_choice,
    code_prefix_problem,
    parse_code_value,
    search_codes,
    search_territories,
    territory_choice,
)
from shared.events import CodeScheme


def values(choices: list[Choice]) -> list[str]:
    return [choice.value for choice in choices]


def test_cpv_by_french_or_english_words() -> None:
    french = search_codes("services nettoyage", "fr", limit=3)
    assert french[0].value == "CPV:9091"
    assert french[0].label == "CPV 90910000 — Services de nettoyage"
    english = search_codes("cleaning services", "en", limit=3)
    assert english[0].label == "CPV 90910000 — Cleaning services"


def test_typed_digits_offer_the_code_in_every_scheme_it_can_belong_to() -> None:
    found = values(search_codes("7611", "fr", limit=30))
    assert {"UNSPSC:7611", "GSIN:7611", "CPV:7611"} <= set(found)
    assert "NAICS:7611" not in found  # no NAICS sector 76
    assert values(search_codes("561720", "en", scheme=CodeScheme.NAICS)) == ["NAICS:561720"]
    assert code_choice(CodeScheme.UNSPSC, "7611", "fr").label == "UNSPSC 7611"


def test_results_are_bounded() -> None:
    assert len(search_codes("services", "fr", limit=500)) == MAX_RESULTS
    assert len(search_territories("saint", "fr", limit=500)) == MAX_RESULTS
    assert search_codes("", "fr") == []
    assert search_territories("  ", "fr") == []


def test_code_prefixes_that_cover_nothing() -> None:
    assert code_prefix_problem(CodeScheme.CPV, "9091") is None
    assert code_prefix_problem(CodeScheme.CPV, "0199") is not None
    assert code_prefix_problem(CodeScheme.UNSPSC, "0500") is not None
    assert code_prefix_problem(CodeScheme.NAICS, "5617") is None
    assert code_prefix_problem(CodeScheme.GSIN, "N76") is not None  # profiles hold digits
    assert parse_code_value("CPV:9091") == (CodeScheme.CPV, "9091")
    assert parse_code_value("HS:12") is None
    assert parse_code_value("CPV:") is None


def test_territories_exact_names_first_then_broad_kinds() -> None:
    longueuil = search_territories("longueuil", "fr", limit=5)
    assert values(longueuil)[:2] == ["CA-QC-MUN-58227", "CA-QC-AGG-LONGUEUIL"]
    assert longueuil[0].detail == "Municipalité, Montérégie"
    rennes = search_territories("Rennes", "en", limit=2)
    assert values(rennes) == ["FR-COM-35238", "FR-EPCI-243500139"]
    assert rennes[1].detail == "Intermunicipality, Ille-et-Vilaine"
    assert values(search_territories("monteregie", "fr", limit=1)) == ["CA-QC-RA-16"]


def test_namesakes_are_told_apart_and_nuts_twins_left_out() -> None:
    lamberts = [c for c in search_territories("saint-lambert", "fr") if c.label == "Saint-Lambert"]
    assert {c.detail for c in lamberts} >= {
        "Municipalité, Montérégie",
        "Municipalité, Abitibi-Témiscamingue",
    }
    assert values(search_territories("ille et vilaine", "fr", limit=1)) == ["FR-DEP-35"]
    assert "FRH03" not in values(search_territories("ille et vilaine", "fr"))
    assert territory_choice("CA-QC-RA-16", "en").detail == "Administrative region"


def test_naics_by_its_english_titles_beside_cpv() -> None:
    found = search_codes("janitorial", "fr", limit=10)
    assert [c.label for c in found] == [
        "CPV 98341130 — Services de conciergerie",
        "NAICS 56172 — Janitorial Services",
    ]
    only = search_codes("561720", "en", scheme=CodeScheme.NAICS)
    assert [c.label for c in only] == ["NAICS 561720 — Janitorial Services"]
