"""Where a French buyer is: its commune from an address, its EPCI from its SIRET."""

from __future__ import annotations

import pytest

from ingest.formats import places
from tests.unit.formats.corpus import parsed


@pytest.mark.parametrize(
    ("department", "city", "commune"),
    [
        ("35", "RENNES CEDEX", "FR-COM-35238"),
        ("35", "ST MALO", "FR-COM-35288"),
        ("13", "MARSEILLE Cedex 02", "FR-COM-13055"),
        ("27", "Andelys", "FR-COM-27016"),  # "Les Andelys", the article left out
        ("2A", "Ajaccio", "FR-COM-2A004"),
        ("974", "St Denis", "FR-COM-97411"),
        ("29", "Rennes", None),  # no Rennes in Finistère
        ("35", "Atlantis", None),
        (None, "Rennes", None),  # no department: a name alone is ambiguous in France
    ],
)
def test_the_commune_of_an_address(department: str | None, city: str, commune: str | None) -> None:
    assert places.french_commune(department, city) == commune


@pytest.mark.parametrize(
    ("company_id", "epci"),
    [
        ("20003441100013", "FR-EPCI-200034411"),  # a SIRET of the CC du Piémont Cévenol
        ("243 500 139", "FR-EPCI-243500139"),  # Rennes Métropole's SIREN
        ("21350238800012", None),  # the city of Rennes (SIREN 213502388) is no EPCI
        ("2435001", None),
        (None, None),
    ],
)
def test_a_buyer_that_is_an_epci(company_id: str | None, epci: str | None) -> None:
    assert places.french_epci(company_id) == epci


def test_the_department_of_a_nuts_3_code() -> None:
    assert places.nuts_department("FRH03") == "35"
    assert places.nuts_department("FRY40") == "974"
    assert places.nuts_department("FRH0") is None  # a region
    assert places.nuts_department("DE300") is None


def test_an_eforms_buyer_without_nuts_is_placed_by_its_postal_code() -> None:
    tender = parsed("ted-eforms/ted-real_2024-OJS015-00041387.xml").tender
    assert tender.buyer.name == "Région Nouvelle-Aquitaine"
    assert tender.buyer.territories == ["FR-COM-33063"]  # Bordeaux, 33000
