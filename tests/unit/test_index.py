"""The profile index gives, rule by rule, the answer of `evaluate_profile`."""

from __future__ import annotations

from typing import Any

import pytest

from matcher.index import ProfileIndex
from matcher.rules import fitting_profiles
from shared.enterprises import Enterprise
from tests.factories import make_enterprise, make_tender

LONGUEUIL = "CA-QC-MUN-58227"
BROSSARD = "CA-QC-MUN-58007"
MONTREAL = "CA-QC-MUN-66023"
BREST = "FR-COM-29019"


def fits(profile: dict[str, Any], **tender: Any) -> bool:
    """Whether the index returns this one profile for the tender; it must agree with the rules."""
    enterprise = make_enterprise(id="e", profiles=[{"id": "p", **profile}])
    built = make_tender(**tender)
    found = ProfileIndex.build([enterprise]).candidates(built)
    assert found == fitting_profiles([enterprise], built)
    return found == {("e", "p")}


def unspsc(*prefixes: str) -> list[dict[str, str]]:
    return [{"scheme": "UNSPSC", "prefix": prefix} for prefix in prefixes]


def codes(*items: tuple[str, str]) -> list[dict[str, str]]:
    return [{"scheme": scheme, "code": code} for scheme, code in items]


# Codes: prefix, scheme, normalisation, lots.


@pytest.mark.parametrize(
    ("prefix", "fit"),
    [
        ("7", True),
        ("7611", True),
        ("761115", True),
        ("76111500", True),  # the whole code is its own prefix
        ("7612", False),
        ("761115001", False),  # longer than the code
        ("6111", False),  # a substring is not a prefix
    ],
)
def test_code_prefix(prefix: str, fit: bool) -> None:
    assert fits({"codes": unspsc(prefix)}, classifications=codes(("UNSPSC", "76111500"))) is fit


def test_any_prefix_of_the_profile_may_cover_the_code() -> None:
    assert fits({"codes": unspsc("82", "7611", "90")})


def test_any_code_of_the_tender_may_be_covered() -> None:
    tender_codes = codes(("UNSPSC", "82121500"), ("UNSPSC", "76111501"))
    assert fits({"codes": unspsc("7611")}, classifications=tender_codes)


def test_the_scheme_must_match() -> None:
    assert not fits({"codes": unspsc("7611")}, classifications=codes(("CPV", "76111500-2")))
    cpv = [{"scheme": "CPV", "prefix": "7611"}]
    assert not fits({"codes": cpv}, classifications=codes(("UNSPSC", "76111500")))
    assert fits({"codes": cpv}, classifications=codes(("CPV", "76111500-2")))


@pytest.mark.parametrize(
    ("prefix", "fit"), [("9091", True), ("90910000", True), ("909100009", False)]
)
def test_the_cpv_check_digit_is_not_part_of_the_code(prefix: str, fit: bool) -> None:
    profile = {"codes": [{"scheme": "CPV", "prefix": prefix}]}
    assert fits(profile, classifications=codes(("CPV", "90910000-9"))) is fit


def test_only_the_digits_of_other_schemes_count() -> None:
    profile = {"codes": [{"scheme": "GSIN", "prefix": "761"}]}
    assert fits(profile, classifications=codes(("GSIN", "N7610A")))


def test_lot_codes_count() -> None:
    lots = [{"id": "1", "title": "Lot 1", "classifications": codes(("UNSPSC", "76111501"))}]
    assert fits({"codes": unspsc("7611")}, classifications=[], lots=lots)
    other = [{"id": "1", "title": "Lot 1", "classifications": codes(("UNSPSC", "82121500"))}]
    assert not fits({"codes": unspsc("7611")}, classifications=[], lots=other)


def test_a_tender_without_codes_fits_nobody() -> None:
    assert not fits({"codes": unspsc("7611")}, classifications=[])


def test_a_profile_without_codes_never_fits() -> None:
    assert not fits({"codes": [], "territories": ["CA-QC-AGG-LONGUEUIL"]})
    assert not fits({"codes": [], "territories": [], "include_unknown_location": True})


# Territories: hierarchy, buyer standing in, unknown location.


@pytest.mark.parametrize(
    ("served", "place", "fit"),
    [
        (LONGUEUIL, LONGUEUIL, True),
        ("CA-QC-AGG-LONGUEUIL", "CA-QC-MUN-58012", True),
        ("CA-QC-RA-16", "CA-QC-MUN-58033", True),
        ("CA-QC", MONTREAL, True),
        ("CA", LONGUEUIL, True),
        ("FR-REG-53", BREST, True),
        (BROSSARD, LONGUEUIL, False),  # a sibling
        ("CA-QC-AGG-MONTREAL", LONGUEUIL, False),
        ("FR-COM-35238", BREST, False),
        (LONGUEUIL, "CA-QC-AGG-LONGUEUIL", False),  # a part does not cover the whole
        ("CA-ON", "CA-ON", True),  # codes outside the reference match themselves
        ("CA", "CA-ON", False),  # ...and have no known ancestors
        ("FR", "FRH03", True),  # a NUTS 3 code is its department's twin
        ("FR-REG-84", "FRK26", True),  # Rhône (NUTS 3) in Auvergne-Rhône-Alpes
        ("FR", "FRX99", False),  # a NUTS-like code outside the reference has no ancestors
    ],
)
def test_territory_hierarchy(served: str, place: str, fit: bool) -> None:
    profile = {"codes": unspsc("7611"), "territories": [served]}
    assert fits(profile, place_of_performance=[place]) is fit


def test_any_place_may_be_served() -> None:
    profile = {"codes": unspsc("7611"), "territories": ["FR-DEP-29", "CA-QC-RA-16"]}
    assert fits(profile, place_of_performance=[MONTREAL, BROSSARD])


def test_both_conditions_must_hold() -> None:
    profile = {"codes": unspsc("8212"), "territories": ["CA-QC-AGG-LONGUEUIL"]}
    assert not fits(profile, place_of_performance=[LONGUEUIL])  # territory alone
    profile = {"codes": unspsc("7611"), "territories": ["FR"]}
    assert not fits(profile, place_of_performance=[LONGUEUIL])  # code alone


def test_the_buyer_territory_stands_in_for_a_missing_place() -> None:
    buyer = {"name": "Ville de Brossard", "territories": [BROSSARD]}
    profile = {"codes": unspsc("7611"), "territories": ["CA-QC-AGG-LONGUEUIL"]}
    assert fits(profile, place_of_performance=[], buyer=buyer)


def test_the_buyer_territory_does_not_count_when_a_place_is_given() -> None:
    buyer = {"name": "Ville de Longueuil", "territories": [LONGUEUIL]}
    profile = {"codes": unspsc("7611"), "territories": ["CA-QC-AGG-LONGUEUIL"]}
    assert not fits(profile, place_of_performance=[MONTREAL], buyer=buyer)


NOWHERE: dict[str, Any] = {"place_of_performance": [], "buyer": {"name": "X", "territories": []}}


def test_unknown_location_fits_only_profiles_that_accept_it() -> None:
    profile = {"codes": unspsc("7611"), "territories": ["CA-QC"]}
    assert not fits(profile, **NOWHERE)
    assert fits({**profile, "include_unknown_location": True}, **NOWHERE)


def test_accepting_unknown_location_is_no_wildcard_for_known_places() -> None:
    profile = {"codes": unspsc("7611"), "territories": ["CA-QC"], "include_unknown_location": True}
    assert not fits(profile, place_of_performance=[BREST])


def test_a_profile_without_territories_fits_anywhere() -> None:
    profile = {"codes": unspsc("7611"), "territories": []}
    assert fits(profile, place_of_performance=[BREST])
    assert fits(profile, **NOWHERE)


# Several profiles, updates.


def test_every_fitting_profile_of_every_enterprise_is_returned() -> None:
    coop = make_enterprise(
        id="coop",
        profiles=[
            {"id": "cleaning", "codes": unspsc("7611"), "territories": ["CA-QC-RA-16"]},
            {"id": "catering", "codes": unspsc("9010"), "territories": ["CA-QC-RA-16"]},
            {"id": "anywhere", "codes": unspsc("76")},
        ],
    )
    brest = make_enterprise(
        id="brest", profiles=[{"id": "p1", "codes": unspsc("7611"), "territories": ["FR"]}]
    )
    index = ProfileIndex.build([coop, brest])
    assert len(index) == 4
    assert index.candidates(make_tender()) == {("coop", "cleaning"), ("coop", "anywhere")}


def test_upsert_replaces_the_profiles_of_the_enterprise() -> None:
    index = ProfileIndex.build([make_enterprise(id="e")])
    assert index.candidates(make_tender()) == {("e", "p1")}
    index.upsert(make_enterprise(id="e", profiles=[{"id": "p2", "codes": unspsc("8212")}]))
    assert index.candidates(make_tender()) == set()
    tender = make_tender(classifications=codes(("UNSPSC", "82121500")))
    assert index.candidates(tender) == {("e", "p2")}
    assert len(index) == 1


def test_remove_forgets_the_enterprise_and_is_idempotent() -> None:
    index = ProfileIndex.build([make_enterprise(id="a"), make_enterprise(id="b")])
    index.remove("a")
    index.remove("a")
    index.remove("never-seen")
    assert index.candidates(make_tender()) == {("b", "p1")}
    assert len(index) == 1
    assert "a" not in index
    assert "b" in index


def test_build_keeps_the_last_version_of_an_enterprise() -> None:
    first = make_enterprise(id="e")
    second = make_enterprise(id="e", profiles=[{"id": "p9", "codes": unspsc("76")}])
    index = ProfileIndex.build([first, second])
    assert index.candidates(make_tender()) == {("e", "p9")}
    assert len(index) == 1


def test_compaction_drops_the_dead_and_keeps_the_answers() -> None:
    index = ProfileIndex(compact_min=1)
    for round_ in range(5):
        for name in ("a", "b", "c"):
            profile = {"id": f"p{round_}", "codes": unspsc("7611"), "territories": ["CA"]}
            index.upsert(make_enterprise(id=name, profiles=[profile]))
    index.remove("b")
    assert index.candidates(make_tender()) == {("a", "p4"), ("c", "p4")}
    assert len(index) == 2
    assert index.stats()["dead"] < 2  # compacted along the way, not 13 dead rows kept


def test_compaction_keeps_every_condition_of_the_survivors() -> None:
    served = {"codes": unspsc("7611"), "territories": ["CA-QC-RA-16"]}
    elsewhere = {"codes": unspsc("7611"), "territories": ["FR"]}
    index = ProfileIndex.build(
        [
            make_enterprise(id="a", profiles=[{"id": "in", **served}, {"id": "out", **elsewhere}]),
            make_enterprise(id="b", profiles=[{"id": "any", "codes": unspsc("76")}]),
            make_enterprise(id="c", profiles=[{"id": "gone", "codes": unspsc("76")}]),
        ],
        compact_min=1,
    )
    index.remove("c")  # one row in four is dead: compaction
    assert index.stats()["dead"] == 0
    assert index.candidates(make_tender()) == {("a", "in"), ("b", "any")}
    assert len(index) == 3


# The query plan: whichever condition drives, the answer is the rules' answer.


def crowd(prefix: str, territory: str, count: int) -> list[Enterprise]:
    return [
        make_enterprise(
            id=f"{prefix}-{territory}-{n}",
            profiles=[{"id": "p", "codes": unspsc(prefix), "territories": [territory]}],
        )
        for n in range(count)
    ]


@pytest.mark.parametrize(
    "place",
    [
        BREST,  # territory postings tiny: territory drives, codes checked per candidate
        LONGUEUIL,  # both large and alike: one drives, the other is intersected as a set
    ],
)
def test_either_condition_may_drive(place: str) -> None:
    enterprises = [*crowd("76", "CA-QC", 40), *crowd("76", "FR-DEP-29", 1), *crowd("82", "FR", 3)]
    tender = make_tender(place_of_performance=[place])
    found = ProfileIndex.build(enterprises).candidates(tender)
    assert found == fitting_profiles(enterprises, tender)
    assert found


def test_a_rare_code_drives_and_territories_are_checked_per_candidate() -> None:
    enterprises = [*crowd("82", "CA-QC", 40), *crowd("7611", "CA-QC", 1), *crowd("7611", "FR", 1)]
    tender = make_tender()
    found = ProfileIndex.build(enterprises).candidates(tender)
    assert found == fitting_profiles(enterprises, tender) == {("7611-CA-QC-0", "p")}


# Keywords: postings on stems, then the check of what keys cannot say.


def words(**keywords: list[str]) -> dict[str, Any]:
    """A profile found by words alone, anywhere."""
    return {"codes": [], "keywords": keywords}


def test_a_profile_found_by_words_alone() -> None:
    assert fits(words(any=["déneigement"]), title="Déneigement des rues")
    assert not fits(words(any=["déneigement"]), title="Entretien ménager")


def test_wanted_words_and_codes_must_both_hold() -> None:
    profile = {"codes": unspsc("7611"), "keywords": {"any": ["déneigement", "nettoyage"]}}
    assert fits(profile, title="Nettoyage des vitres")
    assert not fits(profile, title="Réfection de toiture")
    assert not fits(profile, title="Nettoyage des vitres", classifications=codes(("UNSPSC", "82")))


def test_a_vetoed_word_wins_over_codes_and_words() -> None:
    assert not fits({"codes": unspsc("7611"), "keywords": {"none": ["bâtiments"]}})
    assert fits({"codes": unspsc("7611"), "keywords": {"none": ["déneigement"]}})
    vetoed = words(any=["entretien"], none=["municipal"])
    assert not fits(vetoed, title="Entretien des parcs municipaux")
    assert fits(vetoed, title="Entretien des parcs")


def test_every_word_of_all_is_needed() -> None:
    profile = words(all=["entretien", "déneigement"])
    assert not fits(profile, title="Entretien ménager", description=None)
    assert fits(profile, title="Entretien ménager", description="Et déneigement l'hiver.")
    assert fits(words(all=["nettoyage"], any=["vitres", "parcs"]), title="Nettoyage des vitres")
    assert not fits(words(all=["nettoyage"], any=["toits"]), title="Nettoyage des vitres")


def test_a_phrase_needs_its_words_in_order() -> None:
    profile = words(any=["entretien ménager"])
    assert fits(profile, title="Entretien ménager des bâtiments")
    assert not fits(profile, title="Ménager l'entretien des bâtiments", description=None)
    assert not fits(profile, title="Entretien des parcs", description="Matériel ménager.")


@pytest.mark.parametrize(
    ("wanted", "title"),
    [
        ("ménager", "Travaux ménagers"),  # menag begins menager: the text's stem is longer
        ("ménagers", "Entretien ménager"),  # menager, and the text's stem menag begins it
        ("MENAGER", "Entretien Ménager"),  # case and accents
    ],
)
def test_stems_agree_by_prefix_both_ways(wanted: str, title: str) -> None:
    assert fits(words(any=[wanted]), title=title, description=None)


def test_short_stems_must_be_equal() -> None:
    assert fits(words(any=["eau"]), title="Réseau d'eau potable", description=None)
    assert not fits(words(any=["eau"]), title="Bureaux à louer", description=None)  # bureau
    assert not fits(words(any=["lot"]), title="Loterie", description=None)  # loter
    assert fits(words(any=["lot"]), title="Lotissement", description=None)  # lot, as stemmed


def test_phrases_are_stemmed_as_the_tenders_language_is() -> None:
    # English: cleaning → clean, which begins cleaner; French: cleaning stays cleaning.
    profile = words(any=["cleaning"])
    assert fits(profile, title="Cleaners wanted", description=None, language="en")
    assert not fits(profile, title="Cleaners wanted", description=None, language="fr")
    # A language without a stemmer of its own is stemmed as French (shared.languages' fallback).
    assert not fits(profile, title="Cleaners wanted", description=None, language="es")
    # French: eaux → eau; English keeps eaux, which is not eau.
    assert fits(words(any=["eau"]), title="Eaux usées", description=None, language="fr")
    assert not fits(words(any=["eau"]), title="Eaux usées", description=None, language="en")


def test_words_without_stems_are_never_found() -> None:
    assert not fits(words(any=["--"]), title="Entretien -- ménager")
    assert not fits(words(all=["--", "entretien"]), title="Entretien -- ménager")
    assert fits({"codes": unspsc("7611"), "keywords": {"none": ["--"]}})


def test_lot_titles_and_descriptions_count() -> None:
    lots = [{"id": "1", "title": "Déneigement", "description": "Des trottoirs"}]
    assert fits(words(any=["trottoirs"]), title="Services divers", description=None, lots=lots)


# Filters: checked on the candidates.


@pytest.mark.parametrize(
    ("filters", "tender", "fit"),
    [
        ({"reserved_only": True}, {}, False),
        ({"reserved_only": True}, {"reserved_for": ["insertion"]}, True),
        ({"categories": ["works"]}, {"category": "services"}, False),
        ({"categories": ["works", "services"]}, {"category": "services"}, True),
        ({"categories": ["works"]}, {"category": None}, True),
        ({"value_range": {"currency": "CAD", "max": "100000"}}, {}, False),  # 150,000 CAD
        ({"value_range": {"currency": "CAD", "min": "150000"}}, {}, True),  # bounds included
        ({"value_range": {"currency": "EUR", "max": "10"}}, {}, True),  # another currency
        ({"value_range": {"currency": "CAD", "max": "10"}}, {"estimated_value": None}, True),
    ],
)
def test_filters_are_checked(filters: dict[str, Any], tender: dict[str, Any], fit: bool) -> None:
    assert fits({"codes": unspsc("7611"), **filters}, **tender) is fit
    assert fits({**words(any=["entretien"]), **filters}, **tender) is fit


def test_only_profiles_that_need_it_are_checked() -> None:
    plain = [{"id": "codes", "codes": unspsc("7611")}, {"id": "word", **words(any=["ménage"])}]
    checked = [
        {"id": "phrase", **words(any=["entretien ménager"])},
        {"id": "veto", "codes": unspsc("7611"), "keywords": {"none": ["toiture"]}},
        {"id": "works", "codes": unspsc("7611"), "categories": ["works"]},
        {"id": "twin", "codes": unspsc("7611"), "categories": ["works"]},
    ]
    index = ProfileIndex.build([make_enterprise(id="e", profiles=plain + checked)])
    assert index.stats()["verified"] == 4
    assert index.stats()["checks"] == 3  # the twins share theirs


def test_checks_survive_updates_and_compaction() -> None:
    vetoed = {"id": "p", "codes": unspsc("7611"), "keywords": {"none": ["bâtiments"]}}
    index = ProfileIndex(compact_min=1)
    for name in ("a", "b", "c", "d"):
        index.upsert(make_enterprise(id=name, profiles=[{**vetoed, "id": name}]))
    index.upsert(make_enterprise(id="b", profiles=[{"id": "b2", "codes": unspsc("76")}]))
    index.remove("c")
    assert index.stats()["dead"] == 0
    tender = make_tender()
    assert index.candidates(tender) == {("b", "b2")}
    assert index.candidates(make_tender(title="Entretien ménager", description=None)) == {
        ("a", "a"),
        ("b", "b2"),
        ("d", "d"),
    }


def test_a_failing_check_removes_only_the_profiles_that_carry_it() -> None:
    """Profiles sharing a check share its bitmap; the answer loses exactly the failing ones."""
    works = {"codes": unspsc("7611"), "categories": ["works"]}
    services = {"codes": unspsc("7611"), "categories": ["services"]}
    elsewhere = {"codes": unspsc("7611"), "categories": ["works"], "territories": ["FR"]}
    enterprises = [
        make_enterprise(id="a", profiles=[{"id": "works", **works}, {"id": "svc", **services}]),
        make_enterprise(id="b", profiles=[{"id": "works", **works}, {"id": "far", **elsewhere}]),
    ]
    index = ProfileIndex.build(enterprises)
    assert index.stats()["checks"] == 2
    for category, answer in [
        ("services", {("a", "svc")}),
        ("works", {("a", "works"), ("b", "works")}),
    ]:
        tender = make_tender(category=category)
        assert index.candidates(tender) == answer == fitting_profiles(enterprises, tender)
