"""Keywords in alert profiles: stemmed, accent- and case-insensitive, any / all / none."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matcher.catalogue import EnterpriseCatalogue
from matcher.rules import evaluate_profile
from matcher.text import (
    StemmedText,
    _agree,
    contains,
    phrase_stem_keys,
    stems,
    text_stem_keys,
)
from shared.enterprises import AlertProfile
from tests.factories import make_enterprise, make_tender

NOTICE = {
    "title": "Entretien ménagers des bâtiments",
    "description": "Trois ans.",
    "classifications": [{"scheme": "UNSPSC", "code": "76111500"}],
}


def profile(keywords: dict[str, list[str]], codes: bool = False) -> AlertProfile:
    return AlertProfile.model_validate(
        {
            "id": "k",
            "keywords": keywords,
            "territories": ["CA-QC-AGG-LONGUEUIL"],
            "codes": [{"scheme": "UNSPSC", "prefix": "7611"}] if codes else [],
        }
    )


def test_the_issue_example_is_found() -> None:
    assert contains(
        stems("Entretien ménagers des bâtiments", "fr"), stems("entretien ménager", "fr")
    )
    assert not contains(stems("ménagers entretien", "fr"), stems("entretien ménager", "fr"))
    assert contains(stems("SNOW REMOVAL of streets", "en"), stems("snow removal", "en"))


@pytest.mark.parametrize(
    ("keywords", "fits"),
    [
        ({"any": ["entretien ménager"]}, True),
        ({"any": ["déneigement", "ENTRETIEN"]}, True),
        ({"any": ["déneigement"]}, False),
        ({"all": ["entretien", "batiment"]}, True),  # accents folded
        ({"all": ["entretien", "déneigement"]}, False),
        ({"any": ["entretien"], "none": ["bâtiments"]}, False),  # a veto wins
    ],
)
def test_keyword_only_profiles(keywords: dict[str, list[str]], fits: bool) -> None:
    verdict = evaluate_profile(profile(keywords), make_tender(**NOTICE), "fr")
    assert (verdict is not None) is fits
    if verdict is not None:
        assert verdict.reasons[0].code == "keyword"


def test_none_vetoes_a_code_match_and_lot_titles_count() -> None:
    vetoed = profile({"none": ["ménage"]}, codes=True)
    assert evaluate_profile(vetoed, make_tender(**NOTICE), "fr") is None
    lots = make_tender(
        title="Services divers",
        description=None,
        lots=[{"id": "1", "title": "Déneigement des trottoirs"}],
    )
    assert evaluate_profile(profile({"any": ["déneigement"]}), lots, "fr") is not None


def test_profiles_without_codes_or_wanted_words_match_nothing() -> None:
    assert evaluate_profile(profile({"none": ["x y"]}), make_tender(**NOTICE), "fr") is None


def test_keyword_only_enterprises_are_candidates_only_when_their_words_fit() -> None:
    by_words = make_enterprise(
        profiles=[{"id": "k", "keywords": {"any": ["déneigement"]}, "territories": ["CA-QC"]}]
    )
    by_codes = make_enterprise()
    catalogue = EnterpriseCatalogue()
    catalogue.replace_all([by_words, by_codes])
    tender = make_tender(classifications=[{"scheme": "UNSPSC", "code": "99999999"}])
    assert catalogue.candidates(tender) == []  # neither its words nor the other's codes
    snow = make_tender(
        title="Déneigement des trottoirs",
        classifications=[{"scheme": "UNSPSC", "code": "99999999"}],
    )
    assert [(c.enterprise.id, c.profile_ids) for c in catalogue.candidates(snow)] == [
        (by_words.id, frozenset({"k"}))
    ]
    changed = make_enterprise(
        **{
            **by_words.model_dump(),
            "profiles": [{"id": "k", "codes": [{"scheme": "UNSPSC", "prefix": "90"}]}],
        }
    )
    catalogue.apply([changed.id], {changed.id: changed})
    assert catalogue.candidates(snow) == []


words = st.text(alphabet="abcdemn", max_size=9)


@given(words, words)
def test_stem_keys_meet_exactly_when_stems_agree(text_stem: str, phrase_stem: str) -> None:
    meet = bool(set(text_stem_keys(text_stem)) & set(phrase_stem_keys(phrase_stem)))
    assert meet is _agree(text_stem, phrase_stem)


stem_lists = st.lists(st.sampled_from(["men", "mena", "menag", "menager", "eau", "eaux", ""]))


@given(stem_lists, stem_lists)
def test_a_stemmed_text_finds_phrases_as_the_scan_does(text: list[str], phrase: list[str]) -> None:
    assert StemmedText(tuple(text)).contains(tuple(phrase)) is contains(tuple(text), tuple(phrase))


@pytest.mark.parametrize(
    ("text_stem", "phrase_stem", "agree"),
    [
        ("menager", "menag", True),
        ("menag", "menager", True),
        ("menag", "menag", True),
        ("men", "menag", False),  # too short to stand for a prefix
        ("eau", "eau", True),
        ("eaux", "eau", False),
        ("mena", "menag", True),
    ],
)
def test_stem_keys_examples(text_stem: str, phrase_stem: str, agree: bool) -> None:
    meet = bool(set(text_stem_keys(text_stem)) & set(phrase_stem_keys(phrase_stem)))
    assert meet is agree is _agree(text_stem, phrase_stem)


@pytest.mark.parametrize(
    ("filters", "tender", "fits"),
    [
        ({"reserved_only": True}, {}, False),
        ({"reserved_only": True}, {"reserved_for": ["social_economy"]}, True),
        ({"categories": ["works"]}, {"category": "services"}, False),
        ({"categories": ["works"]}, {"category": "works"}, True),
        ({"categories": ["works"]}, {}, True),  # a tender that does not say passes
        ({"value_range": {"currency": "CAD", "max": "100000"}}, {}, False),  # 150,000 CAD
        ({"value_range": {"currency": "CAD", "min": "100000", "max": "200000"}}, {}, True),
        ({"value_range": {"currency": "EUR", "max": "1000"}}, {}, True),  # other currency
        ({"value_range": {"currency": "CAD", "max": "10"}}, {"estimated_value": None}, True),
    ],
)
def test_profile_filters(filters: dict[str, object], tender: dict[str, object], fits: bool) -> None:
    data: dict[str, object] = {
        "id": "f",
        "codes": [{"scheme": "UNSPSC", "prefix": "7611"}],
        **filters,
    }
    verdict = evaluate_profile(AlertProfile.model_validate(data), make_tender(**tender), "fr")
    assert (verdict is not None) is fits
