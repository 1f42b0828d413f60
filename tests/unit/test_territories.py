"""Territory reference data: Québec and France, INSEE and NUTS, and what contains what."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.rules import evaluate_profile
from shared.enterprises import AlertProfile
from shared.territories import REFERENCE, ancestors_and_self, load, name_of
from tests.factories import make_tender

RENNES, CESSON_SEVIGNE, VITRE, BREST = (
    "FR-COM-35238",
    "FR-COM-35051",
    "FR-COM-35360",
    "FR-COM-29019",
)
RENNES_METROPOLE = "FR-EPCI-243500139"
DIJON, BESANCON = "FR-COM-21231", "FR-COM-25056"


def fits(served: str, place: str) -> bool:
    profile = AlertProfile.model_validate(
        {"id": "p", "codes": [{"scheme": "UNSPSC", "prefix": "7611"}], "territories": [served]}
    )
    tender = make_tender(place_of_performance=[place])
    return evaluate_profile(profile, tender, "fr") is not None


def codes(prefix: str) -> list[str]:
    return [code for code in REFERENCE if code.startswith(prefix)]


def test_every_french_region_and_department_and_the_communes() -> None:
    assert (len(codes("FR-REG-")), len(codes("FR-DEP-"))) == (18, 101)
    assert len(codes("FR-COM-")) > 34_000  # every current commune, and former ones
    assert ancestors_and_self("FR-DEP-974")[:3] == ("FR-DEP-974", "FR-REG-04", "FRY40")


def test_the_communes_of_rennes_metropole() -> None:
    members = [code for code, t in REFERENCE.items() if RENNES_METROPOLE in t.parents]
    assert len(members) == 43
    assert {RENNES, CESSON_SEVIGNE, "FR-COM-35047", "FR-COM-35281"} <= set(members)
    assert name_of(RENNES_METROPOLE) == "Rennes Métropole"
    assert name_of("FR-COM-35281") == "Saint-Jacques-de-la-Lande"


@pytest.mark.parametrize(
    ("served", "place", "fit"),
    [
        (RENNES, BREST, False),  # the example
        (RENNES, RENNES, True),
        (RENNES, CESSON_SEVIGNE, False),  # a neighbour is not the city
        (RENNES_METROPOLE, CESSON_SEVIGNE, True),
        (RENNES_METROPOLE, VITRE, False),  # same department, another EPCI
        (RENNES_METROPOLE, "FR-DEP-35", False),  # the whole department is more than the EPCI
        ("FR-DEP-35", VITRE, True),
        ("FR-REG-53", BREST, True),
        ("FR-REG-53", "FR-COM-44109", False),  # Nantes is in Pays de la Loire
        # NUTS and INSEE name the same places: either side may use either.
        ("FRH03", CESSON_SEVIGNE, True),
        ("FR-DEP-35", "FRH03", True),
        ("FRH0", BREST, True),
        ("FRH", "FR-DEP-56", True),
        (RENNES, "FRH03", False),  # a notice placed in the department is not known to be in Rennes
        # NUTS 2 regions of before 2016 have no INSEE twin but contain their departments.
        ("FRC1", DIJON, True),
        ("FRC1", BESANCON, False),
        ("FR-REG-27", BESANCON, True),
        ("FRY", "FR-COM-97411", True),  # Saint-Denis de La Réunion in the outermost regions
        ("FR-COM-75056", "FR-COM-75101", True),  # Paris covers its 1st arrondissement
        ("FR-COM-35292", "FR-COM-35011", True),  # a former commune lies in the one it joined
    ],
)
def test_french_territories(served: str, place: str, fit: bool) -> None:
    assert fits(served, place) is fit


def test_every_commune_lies_in_exactly_one_department_region_and_nuts_3() -> None:
    """An EPCI across departments must not carry its communes into a neighbour's department."""
    for code in codes("FR-COM-"):
        found = ancestors_and_self(code)
        departments = [a for a in found if a.startswith("FR-DEP-")]
        regions = [a for a in found if a.startswith("FR-REG-")]
        nuts_3 = [a for a in found if a.startswith("FR") and len(a) == 5 and a[2] != "-"]
        assert (len(departments), len(regions), len(nuts_3)) == (1, 1, 1), (code, found)


def test_each_department_has_its_nuts_3_twin_and_each_region_its_nuts_1() -> None:
    for department in codes("FR-DEP-"):
        twins = [p for p in REFERENCE[department].parents if not p.startswith("FR-")]
        assert len(twins) == 1, department
        assert department in REFERENCE[twins[0]].parents, department
    metropolitan = [r for r in codes("FR-REG-") if len(r) == 9 and int(r[-2:]) > 10]
    assert all(any(len(p) == 3 for p in REFERENCE[region].parents) for region in metropolitan), (
        "each metropolitan region equals a NUTS 1 region"
    )


def test_quebec_hierarchy() -> None:
    assert ancestors_and_self("CA-QC-MUN-58033") == (
        "CA-QC-MUN-58033",
        "CA-QC-AGG-LONGUEUIL",
        "CA-QC-RA-16",
        "CA-QC",
        "CA",
    )
    assert len(codes("CA-QC-RA-")) == 17


def test_the_reason_names_the_places() -> None:
    profile = AlertProfile.model_validate(
        {
            "id": "p",
            "codes": [{"scheme": "UNSPSC", "prefix": "7611"}],
            "territories": [RENNES_METROPOLE],
        }
    )
    verdict = evaluate_profile(profile, make_tender(place_of_performance=[CESSON_SEVIGNE]), "fr")
    assert verdict is not None
    assert "Cesson-Sévigné" in verdict.reasons[-1].text
    assert "Rennes Métropole" in verdict.reasons[-1].text


def test_a_generated_row_adds_parents_to_a_typed_territory(tmp_path: Path) -> None:
    generated = tmp_path / "france.tsv"
    generated.write_text("# comment\nFR-DEP-35\t\tFRH03\nFRH03\tIlle-et-Vilaine\tFRH0,FR-DEP-35\n")
    reference = load(generated)
    assert reference["FR-DEP-35"].name == "Ille-et-Vilaine"
    assert reference["FR-DEP-35"].parents == ("FR-REG-53", "FRH03")
    assert reference["FRH03"].parents == ("FRH0", "FR-DEP-35")
