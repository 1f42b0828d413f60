"""Québec's reference over all of it: every municipality placed, and found again from addresses."""

from __future__ import annotations

import json
import re
from collections import defaultdict

import pytest
from structlog.testing import capture_logs

from ingest.formats import Parsed, parse_document
from ingest.formats.places import in_quebec, place_in_quebec, quebec_region
from shared.events import Category
from shared.territories import (
    QUEBEC_FILE,
    QUEBEC_REGIONS,
    REFERENCE,
    ancestors_and_self,
    name_of,
    place_key,
    territories_named,
)
from shared.text import fold
from tests.factories import enterprise_data
from tools.build_quebec_territories import SOURCE, build, lines, read
from vigie.enterprise_file import parse_enterprises

MUNICIPALITIES = sorted(code for code in REFERENCE if code.startswith("CA-QC-MUN-"))
AREA_PREFIXES = ("CA-QC-MRC-", "CA-QC-AGG-")


def region_of(code: str) -> str:
    (region,) = [a for a in ancestors_and_self(code) if a.startswith("CA-QC-RA-")]
    return region


def members(area: str) -> set[str]:
    return {name_of(code) for code in MUNICIPALITIES if REFERENCE[code].parents == (area,)}


def test_the_shipped_file_is_what_the_tool_makes_of_the_source() -> None:
    """`shared/reference/quebec.tsv` is up to date with `tools/data/quebec/municipalities.csv`."""
    expected = "\n".join(lines(build(read(SOURCE)))) + "\n"
    assert QUEBEC_FILE.read_text(encoding="utf-8") == expected


def test_every_municipality_lies_in_one_area_and_one_region() -> None:
    assert len(MUNICIPALITIES) == 1130
    for code in MUNICIPALITIES:
        chain = ancestors_and_self(code)
        (area,) = REFERENCE[code].parents
        assert area.startswith(AREA_PREFIXES), code
        assert [a for a in chain if a.startswith(AREA_PREFIXES)] == [area], code
        assert len([a for a in chain if a.startswith("CA-QC-RA-")]) == 1, code
        assert chain[-2:] == ("CA-QC", "CA"), code


def test_mrcs_and_agglomerations_against_the_source() -> None:
    rows = read(SOURCE)
    mrcs = {row["mrc_code"] for row in rows if row["mrc_code"]}
    assert {code.removeprefix("CA-QC-MRC-") for code in REFERENCE if "-MRC-" in code} == mrcs
    assert len(mrcs) == 88
    for row in rows:
        code = f"CA-QC-MUN-{row['code']}"
        assert name_of(code) == row["name"]
        assert region_of(code) == f"CA-QC-RA-{row['region_code']}"
        if row["mrc_code"]:
            assert REFERENCE[code].parents == (f"CA-QC-MRC-{row['mrc_code']}",)
        else:
            assert REFERENCE[code].parents[0].startswith("CA-QC-AGG-")


def test_the_agglomerations_hold_their_members() -> None:
    assert members("CA-QC-AGG-LONGUEUIL") == {
        "Longueuil",
        "Boucherville",
        "Brossard",
        "Saint-Lambert",
        "Saint-Bruno-de-Montarville",
    }
    assert len(members("CA-QC-AGG-MONTREAL")) == 16
    assert {"Montréal", "Westmount", "Dorval"} <= members("CA-QC-AGG-MONTREAL")
    assert members("CA-QC-AGG-QUEBEC") >= {"Québec", "L'Ancienne-Lorette"}
    assert members("CA-QC-AGG-LAVAL") == {"Laval"}
    assert name_of("CA-QC-AGG-LONGUEUIL") == "Agglomération de Longueuil"
    assert ancestors_and_self("CA-QC-AGG-LONGUEUIL")[1] == "CA-QC-RA-16"
    assert name_of("CA-QC-MRC-540") == "MRC Les Maskoutains"


def _address_forms(name: str) -> list[str]:
    upper = fold(name).upper()
    return [
        name,
        upper.replace("SAINTE-", "STE-").replace("SAINT-", "ST-"),  # ST-BRUNO-DE-MONTARVILLE
        name.replace("-", " "),  # Saint Bruno de Montarville
        name.replace("Sainte-", "Ste ").replace("Saint-", "St "),
        f"{name} (Québec)",
    ]


def test_every_name_is_found_again_from_its_address_forms() -> None:
    """With its region, every municipality is found; namesakes in one region (Valcourt the town
    and Valcourt the township) leave the buyer at their common MRC unless the postal code of
    the town hall says which."""
    namesakes: dict[tuple[str, str], list[str]] = defaultdict(list)
    for code in MUNICIPALITIES:
        key = re.sub(r"[^a-z0-9]", "", fold(name_of(code)))
        namesakes[key, region_of(code)].append(code)
    postal = {row["code"]: row["postal_code"] for row in read(SOURCE)}
    for (_, region), codes in namesakes.items():
        region_name = QUEBEC_REGIONS[region[-2:]]
        for code in codes:
            for form in _address_forms(name_of(code)):
                placed = place_in_quebec(form, region_name)
                if len(codes) == 1:
                    assert placed.territory == code, (form, placed)
                else:
                    assert placed.territory == REFERENCE[code].parents[0], (form, placed)
                    assert placed.reason is not None
            # Some town halls' postal codes are given to five characters only (`J0L1H`).
            own = postal[code.removeprefix("CA-QC-MUN-")]
            others = [postal[c.removeprefix("CA-QC-MUN-")] for c in codes if c != code]
            if not any(o.startswith(own) or own.startswith(o) for o in others):
                assert place_in_quebec(name_of(code), region_name, own).territory == code


@pytest.mark.parametrize(
    ("locality", "region", "postal_code", "expected"),
    [
        ("Boucherville", "Montérégie", "J4B 2Z7", "CA-QC-MUN-58033"),
        ("ST-BRUNO-DE-MONTARVILLE", "QC", None, "CA-QC-MUN-58037"),
        ("Saint Bruno de Montarville", None, None, "CA-QC-MUN-58037"),
        # Two Saint-Lambert: the region, else the postal code, settles it, else nothing does.
        ("Saint-Lambert", "Montérégie (16)", None, "CA-QC-MUN-58012"),
        ("Saint-Lambert", "Abitibi-Témiscamingue", None, "CA-QC-MUN-87120"),
        ("Saint-Lambert", "Québec", "J4P 3P7", "CA-QC-MUN-58012"),
        ("st-lambert", "QC", "J0Z 1V0", "CA-QC-MUN-87120"),
        ("Saint-Lambert", "QC", None, "CA-QC"),
        ("Saint-Lambert", "QC", "H2Y 1C6", "CA-QC"),
        ("Greenfield Park", "16", None, "CA-QC-RA-16"),  # a former city, now in Longueuil
        ("Boucherville", "Laval", None, "CA-QC-RA-13"),  # a contradiction is not settled
        (None, "Montérégie", None, "CA-QC-RA-16"),
        ("Montréal", "QC", "H2Y 1C6", "CA-QC-MUN-66023"),
    ],
)
def test_placing_an_address(
    locality: str | None, region: str | None, postal_code: str | None, expected: str
) -> None:
    assert place_in_quebec(locality, region, postal_code).territory == expected


def test_an_unsettled_address_says_why() -> None:
    placed = place_in_quebec("Saint-Lambert", "QC")
    assert placed.reason is not None
    assert "CA-QC-MUN-58012" in placed.reason
    assert "CA-QC-MUN-87120" in placed.reason
    assert place_in_quebec("Boucherville", "Montérégie").reason is None


@pytest.mark.parametrize(
    "written", ["Montérégie", "Montérégie (16)", "16", "MONTEREGIE", "Région 16 - Montérégie"]
)
def test_region_names_and_numbers(written: str) -> None:
    assert quebec_region(written) == "CA-QC-RA-16"


def test_every_region_by_name_and_number() -> None:
    for number, name in QUEBEC_REGIONS.items():
        assert quebec_region(name) == quebec_region(number) == f"CA-QC-RA-{number}"
        assert quebec_region(f"{name} ({int(number)})") == f"CA-QC-RA-{number}"
    assert quebec_region("Montérégie (13)") is None  # name and number disagree
    assert quebec_region("QC") is None


def test_what_says_quebec() -> None:
    assert all(in_quebec(region) for region in ("QC", "Québec", "Montérégie (16)"))
    assert all(in_quebec(None, postal_code) for postal_code in ("J4B 2Z7", "g1r4s9", "H2Y"))
    assert not in_quebec("ON", "K1A 0B1")
    assert not in_quebec("16")  # a bare number needs the country


def test_names_for_enterprise_files() -> None:
    assert territories_named("Montérégie") == ("CA-QC-RA-16",)
    assert territories_named("ST-BRUNO-DE-MONTARVILLE") == ("CA-QC-MUN-58037",)
    assert territories_named("Agglomération de Longueuil") == ("CA-QC-AGG-LONGUEUIL",)
    assert territories_named("Ille-et-Vilaine") == ("FR-DEP-35",)  # not its NUTS twin FRH03
    assert {"CA-QC-MUN-58012", "CA-QC-MUN-87120"} <= set(territories_named("Saint-Lambert"))
    assert place_key("L'Ange-Gardien") != place_key("Ange-Gardien")


def _enterprise(*territories: str) -> str:
    profile = {"id": "p", "codes": [{"scheme": "UNSPSC", "prefix": "7611"}]}
    return json.dumps(enterprise_data(profiles=[{**profile, "territories": list(territories)}]))


def test_an_enterprise_file_may_name_its_territories() -> None:
    accepted, rejected = parse_enterprises(
        _enterprise("Boucherville", "MRC Les Maskoutains", "montérégie", "CA-QC-MRC-460", "CA-ON")
    )
    assert rejected == []
    assert accepted[0].profiles[0].territories == [
        "CA-QC-MUN-58033",
        "CA-QC-MRC-540",
        "CA-QC-RA-16",
        "CA-QC-MRC-460",
        "CA-ON",  # not known to Vigie, kept as written as before
    ]


def test_an_ambiguous_or_unknown_name_is_refused_with_the_choices() -> None:
    accepted, rejected = parse_enterprises(_enterprise("Saint-Lambert"))
    assert accepted == []
    assert rejected[0].reason.startswith("profiles.0.territories: 'Saint-Lambert' names")
    assert "CA-QC-MUN-58012 (Saint-Lambert, Agglomération de Longueuil)" in rejected[0].reason
    _, rejected = parse_enterprises(_enterprise("Atlantis des Bois"))
    assert "neither a territory code nor a territory's name" in rejected[0].reason


# --- SEAO releases --------------------------------------------------------------------------


def seao_release(address: dict[str, str], **tender: object) -> bytes:
    release = {
        "ocid": "ocds-ec9k95-20170001",
        "id": "20170001-1",
        "date": "2026-09-15T10:00:00-04:00",
        "tag": ["tender"],
        "language": "fr",
        "parties": [
            {"id": "OP-1", "name": "Ville de Boucherville", "roles": ["buyer"], "address": address}
        ],
        "buyer": {"id": "OP-1", "name": "Ville de Boucherville"},
        "tender": {
            "id": "TP-2026-041",
            "title": "Entretien des espaces verts",
            "status": "active",
            "tenderPeriod": {"endDate": "2026-10-13T14:00:00-04:00"},
            "items": [
                {
                    "id": "1",
                    "description": "S13 - Services d'entretien paysager",
                    "classification": {"scheme": "UNSPSC", "id": "70111700"},
                }
            ],
            **tender,
        },
    }
    return json.dumps(release).encode()


def seao(address: dict[str, str], **tender: object) -> Parsed:
    (outcome,) = parse_document("seao.json", seao_release(address, **tender))
    assert isinstance(outcome, Parsed), outcome
    return outcome


def test_a_boucherville_release_is_placed_in_boucherville() -> None:
    """The issue's case: it used to be stored with buyer.territories ["CA"]."""
    address = {"locality": "Boucherville", "region": "Montérégie", "postalCode": "J4B 2Z7",
               "countryName": "Canada"}  # fmt: skip
    tender = seao(address).tender
    assert tender.buyer.territories == ["CA-QC-MUN-58033"]
    assert tender.deadline_timezone == "America/Toronto"
    assert tender.uid == "seao:20170001"  # SEAO's notice number is the ocid's tail
    assert tender.title == "Entretien des espaces verts (réf. TP-2026-041)"  # the buyer's own
    assert [(c.scheme, c.code) for c in tender.classifications] == [("UNSPSC", "70111700")]
    assert tender.category == Category.SERVICES  # SEAO's `S13 - ...` category


def test_a_region_alone_places_the_buyer_in_its_region() -> None:
    tender = seao({"region": "Montérégie (16)", "countryName": "Canada"}).tender
    assert tender.buyer.territories == ["CA-QC-RA-16"]
    assert seao({"region": "16", "countryName": "Canada"}).tender.buyer.territories == [
        "CA-QC-RA-16"
    ]


def test_an_unsettled_namesake_stays_in_quebec_and_is_logged() -> None:
    with capture_logs() as logs:
        tender = seao({"locality": "Saint-Lambert", "region": "QC"}).tender
    assert tender.buyer.territories == ["CA-QC"]
    (entry,) = [e for e in logs if e["event"] == "buyer_left_above_municipality"]
    assert entry["ref"] == "seao.json#ocds-ec9k95-20170001"
    assert "CA-QC-MUN-58012" in entry["reason"]


def test_seao_categories_and_references() -> None:
    works = seao({}, items=[{"id": "1", "description": "C01 - Bâtiments"}]).tender
    assert works.category == Category.WORKS
    assert works.title == "Entretien des espaces verts (réf. TP-2026-041)"  # not the category
    given = seao({}, mainProcurementCategory="goods").tender
    assert given.category == Category.GOODS  # the release's own category comes first
    quoted = seao({}, title="TP-2026-041 Entretien").tender
    assert quoted.title == "TP-2026-041 Entretien"  # already in the title: not twice
