"""Property: for any profiles and any tender, the index returns exactly what the rules accept.

Codes are drawn from a two-digit alphabet so that prefixes collide often; territories from the
reference set plus codes outside it; tenders have CPV check digits, letters in other schemes'
codes, lots, and places or only buyer territories or nothing at all. Keywords (any, all, none)
and notice texts come from one small vocabulary of French and English words and phrases, in
several inflections, accents and cases, so that stems meet, agree by prefix or differ by
language; tenders are in French, English or Spanish (stemmed as English). Value ranges,
currencies, categories and reserved-only meet tenders that say, or do not say, the same things.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.catalogue import EnterpriseCatalogue
from matcher.decisions import plan_for, plan_matches
from matcher.index import ProfileIndex
from matcher.rules import fitting_profiles
from shared.enterprises import Enterprise
from shared.events import (
    Category,
    CodeScheme,
    MatchEvent,
    ReservedFor,
    Tender,
    TenderEvent,
    TenderEventKind,
)
from shared.territories import REFERENCE
from tests.factories import NOW, enterprise_data, make_tender

SCHEMES = [scheme.value for scheme in CodeScheme]
# Every level of the reference, but only a few of France's 35,000 communes: Rennes, a commune of
# Rennes Métropole, Brest, and codes the reference does not know.
TERRITORIES = [
    *sorted(code for code in REFERENCE if not code.startswith(("FR-COM-", "FR-EPCI-"))),
    *["FR-COM-35238", "FR-COM-35051", "FR-COM-29019", "FR-EPCI-243500139"],
    *["CA-ON", "CA-QC-MUN-99999", "FRK26", "FR-COM-99999"],
]
ENTERPRISE_IDS = ["e1", "e2", "e3", "e4", "e5"]
PROFILE_IDS = ["p1", "p2", "p3"]

PROPERTY = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

digits = st.text(alphabet="12", min_size=1, max_size=6)
territory_sets = st.lists(st.sampled_from(TERRITORIES), max_size=3)

# Stems in French / English: menag / menag, menager / menag, entretien, deneig, snow, remov(al),
# bat / batiment, nettoyag, eau / eaux, lot, clean(ing), cleaner, travaux / travaux... and "--",
# which has no word at all.
VOCABULARY = [
    *["entretien ménager", "Ménagers", "ménager", "ménage", "MENAGE", "entretien"],
    *["déneigement", "Deneigement", "snow removal", "removals", "removal", "Snow"],
    *["bâtiment", "batiments", "Bâtiments municipaux", "nettoyage", "Nettoyages"],
    *["eau", "eaux", "Eau potable", "lot", "lots", "cleaning", "cleaners", "travaux ménagers"],
    *["--", "des", "of the", "municipaux", "potable", "travaux"],
]
CURRENCIES = ["CAD", "EUR"]
AMOUNTS = ["0", "1000", "150000", "150000.01", "2000000"]
CATEGORIES = [category.value for category in Category]

VOCABULARY_WORDS = st.sampled_from(VOCABULARY)
phrases = st.lists(VOCABULARY_WORDS, max_size=2)
value_ranges = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {"currency": st.sampled_from(CURRENCIES)},
        optional={"min": st.sampled_from(AMOUNTS), "max": st.sampled_from(AMOUNTS)},
    ),
)

keywords = st.fixed_dictionaries(
    {}, optional={"any": phrases, "all": phrases, "none": st.lists(VOCABULARY_WORDS, max_size=1)}
)

profiles = st.fixed_dictionaries(
    {
        "id": st.sampled_from(PROFILE_IDS),
        "codes": st.lists(
            st.fixed_dictionaries({"scheme": st.sampled_from(SCHEMES), "prefix": digits}),
            max_size=3,
        ),
        "territories": territory_sets,
        "include_unknown_location": st.booleans(),
    },
    optional={
        "keywords": keywords,
        "value_range": value_ranges,
        "categories": st.lists(st.sampled_from(CATEGORIES), max_size=2),
        "reserved_only": st.booleans(),
    },
)


@st.composite
def enterprises(draw: st.DrawFn) -> Enterprise:
    data = enterprise_data(
        id=draw(st.sampled_from(ENTERPRISE_IDS)),
        language=draw(st.sampled_from(["fr", "en"])),
        profiles=draw(st.lists(profiles, min_size=1, max_size=3)),
    )
    return Enterprise.model_validate(data)


@st.composite
def classifications(draw: st.DrawFn) -> dict[str, str]:
    scheme = draw(st.sampled_from(SCHEMES))
    code = draw(
        st.one_of(
            st.text(alphabet="12", min_size=2, max_size=8),
            st.builds(lambda d, c: f"{d}-{c}", digits, st.sampled_from("0129")),  # check digit
            st.text(alphabet="12A-", min_size=2, max_size=9),  # letters, dashes anywhere
        )
    )
    return {"scheme": scheme, "code": code}


# Words of the vocabulary, with whatever comes between them: nothing, a space, punctuation.
texts = st.lists(
    st.tuples(VOCABULARY_WORDS, st.sampled_from(["", " ", ", ", " et "])), max_size=5
).map(lambda parts: "".join(word + separator for word, separator in parts))


@st.composite
def tenders(draw: st.DrawFn, codes: list[dict[str, str]] | None = None) -> Tender:
    lots = draw(
        st.lists(
            st.builds(
                lambda n, t, d, c: {
                    "id": str(n),
                    "title": f"Lot {n} {t}",
                    "description": d,
                    "classifications": c,
                },
                st.integers(1, 9),
                texts,
                st.one_of(st.none(), texts),
                st.lists(classifications(), max_size=2),
            ),
            max_size=2,
        )
    )
    value = st.fixed_dictionaries(
        {"amount": st.sampled_from(AMOUNTS), "currency": st.sampled_from(CURRENCIES)}
    )
    overrides: dict[str, Any] = {
        "title": draw(texts) or "Avis",
        "description": draw(st.one_of(st.none(), texts)),
        "language": draw(st.sampled_from(["fr", "en", "es"])),
        "classifications": codes
        if codes is not None
        else draw(st.lists(classifications(), max_size=3)),
        "lots": lots,
        "place_of_performance": draw(st.one_of(st.just([]), territory_sets)),
        "buyer": {
            "name": "Acheteur",
            "territories": draw(st.lists(st.sampled_from(TERRITORIES), max_size=2)),
        },
        "estimated_value": draw(st.one_of(st.none(), value)),
        "category": draw(st.one_of(st.none(), st.sampled_from(CATEGORIES))),
        "reserved_for": draw(st.lists(st.sampled_from(list(ReservedFor)), max_size=2)),
    }
    return make_tender(**overrides)


@PROPERTY
@given(st.lists(enterprises(), max_size=6), st.lists(tenders(), min_size=1, max_size=4))
def test_index_agrees_with_the_rules(ents: list[Enterprise], ts: list[Tender]) -> None:
    latest = {enterprise.id: enterprise for enterprise in ents}
    index = ProfileIndex.build(ents)
    assert len(index) == sum(len(e.profiles) for e in latest.values())
    for tender in ts:
        assert index.candidates(tender) == fitting_profiles(latest.values(), tender)


operations = st.lists(
    st.one_of(
        st.builds(lambda e: ("upsert", e), enterprises()),
        st.builds(lambda i: ("remove", i), st.sampled_from(ENTERPRISE_IDS)),
    ),
    max_size=12,
)


@PROPERTY
@given(
    st.lists(enterprises(), max_size=4),
    operations,
    st.lists(tenders(), min_size=1, max_size=3),
    st.sampled_from([1, 3, 4096]),  # compact eagerly, sometimes, or never
)
def test_index_agrees_with_the_rules_after_updates(
    ents: list[Enterprise], ops: list[tuple[str, Any]], ts: list[Tender], compact_min: int
) -> None:
    latest = {enterprise.id: enterprise for enterprise in ents}
    index = ProfileIndex.build(ents, compact_min=compact_min)
    for action, subject in ops:
        if action == "upsert":
            index.upsert(subject)
            latest[subject.id] = subject
        else:
            index.remove(subject)
            latest.pop(subject, None)
        assert len(index) == sum(len(e.profiles) for e in latest.values())
        assert index.candidates(ts[0]) == fitting_profiles(latest.values(), ts[0])
    for tender in ts:
        assert index.candidates(tender) == fitting_profiles(latest.values(), tender)


# Words and filters deciding: no territories, and codes that fit or are absent.
worded_profiles = st.fixed_dictionaries(
    {
        "codes": st.sampled_from([[], [{"scheme": "UNSPSC", "prefix": "1"}]]),
        # `any` always: a phrase of it is keyed on one of its words, which the check completes.
        "keywords": st.fixed_dictionaries(
            {"any": phrases},
            optional={"all": phrases, "none": st.lists(VOCABULARY_WORDS, max_size=1)},
        ),
    },
    optional={
        "value_range": value_ranges,
        "categories": st.lists(st.sampled_from(CATEGORIES), max_size=2),
        "reserved_only": st.booleans(),
    },
)


@PROPERTY
@given(
    st.lists(worded_profiles, min_size=1, max_size=10),
    st.sampled_from(["fr", "en"]),
    st.lists(tenders(codes=[{"scheme": "UNSPSC", "code": "11111111"}]), min_size=1, max_size=3),
)
def test_words_and_filters_decide_as_the_rules_do(
    drawn: list[dict[str, Any]], language: str, ts: list[Tender]
) -> None:
    profiles = [{**profile, "id": f"p{n}"} for n, profile in enumerate(drawn)]
    enterprise = Enterprise.model_validate(
        enterprise_data(id="e", language=language, profiles=profiles)
    )
    index = ProfileIndex.build([enterprise])
    for tender in ts:
        assert index.candidates(tender) == fitting_profiles([enterprise], tender)


@PROPERTY
@given(
    st.lists(enterprises(), max_size=6),
    st.lists(tenders(), min_size=1, max_size=3),
    st.sampled_from([TenderEventKind.PUBLISHED, TenderEventKind.AMENDED]),
)
def test_matches_from_the_index_pairs_are_those_of_every_profile_tried(
    ents: list[Enterprise], ts: list[Tender], kind: TenderEventKind
) -> None:
    latest = {enterprise.id: enterprise for enterprise in ents}
    catalogue = EnterpriseCatalogue()
    catalogue.replace_all(latest.values())
    earlier = {enterprise_id: "p0" for enterprise_id in list(latest)[::2]}
    for tender in ts:
        event = TenderEvent(kind=kind, tender=tender, changed_fields=["title"])
        by_pairs = plan_for(event, catalogue.candidates(tender), earlier, NOW)
        by_all = plan_matches(event, latest.values(), earlier, NOW)
        assert decided(by_pairs) == decided(by_all)


def decided(matches: list[MatchEvent]) -> list[dict[str, Any]]:
    """The matches as decided, in one order; the time each event object was made aside."""
    dumped = [match.model_dump(exclude={"occurred_at"}) for match in matches]
    return sorted(dumped, key=lambda match: str(match["match_id"]))


# Several profiles of one enterprise fitting at once, with scores that differ: by code depth
# (prefixes of the tender's code) and by territory distance.
coded_profiles = st.fixed_dictionaries(
    {
        "codes": st.lists(
            st.fixed_dictionaries(
                {
                    "scheme": st.just("UNSPSC"),
                    "prefix": st.text(alphabet="12", min_size=1, max_size=8),
                }
            ),
            min_size=1,
            max_size=2,
        ),
        "territories": territory_sets,
    }
)


@PROPERTY
@given(
    st.lists(coded_profiles, min_size=1, max_size=6),
    st.lists(tenders(codes=[{"scheme": "UNSPSC", "code": "11111111"}]), min_size=1, max_size=3),
)
def test_the_best_of_several_fitting_profiles_is_the_one_every_profile_tried_picks(
    drawn: list[dict[str, Any]], ts: list[Tender]
) -> None:
    profiles = [{**profile, "id": f"p{n}"} for n, profile in enumerate(drawn)]
    enterprise = Enterprise.model_validate(enterprise_data(id="e", profiles=profiles))
    catalogue = EnterpriseCatalogue()
    catalogue.replace_all([enterprise])
    for tender in ts:
        event = TenderEvent(kind=TenderEventKind.PUBLISHED, tender=tender)
        by_pairs = plan_for(event, catalogue.candidates(tender), {}, NOW)
        assert decided(by_pairs) == decided(plan_matches(event, [enterprise], {}, NOW))
