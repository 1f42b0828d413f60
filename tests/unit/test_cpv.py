"""The code lists shipped with Vigie: CPV (lookup, label search, social services) and NAICS."""

from __future__ import annotations

from pathlib import Path

from shared import cpv, naics
from shared.events import CPV_DIVISIONS
from shared.label_search import label_words, matches, query_words


def test_every_code_of_the_2008_vocabulary_is_there_with_both_labels() -> None:
    codes, _ = cpv._reference()
    assert len(codes) == 9454
    assert {code[:2] for code in codes} == CPV_DIVISIONS
    assert all(item.label_fr and item.label_en for item in codes.values())
    assert all(not item.parent or item.parent in codes for item in codes.values())


def test_lookup_with_or_without_the_check_digit() -> None:
    item = cpv.lookup("90910000-9")
    assert item is not None
    assert (item.code, item.parent, item.prefix) == ("90910000", "90900000", "9091")
    assert item.label("fr") == "Services de nettoyage"
    assert item.label("en") == "Cleaning services"
    assert cpv.lookup("90910000") == item
    assert cpv.is_known("45000000-7")
    assert cpv.lookup("45000000") == cpv.lookup("45000000-1")  # any check digit
    assert [cpv.lookup(code).prefix for code in ("45000000", "30200000")] == ["45", "302"]  # type: ignore[union-attr]


def test_unknown_codes() -> None:
    assert not cpv.is_known("90910001")  # a well-formed code that does not exist
    assert not cpv.is_known("01000000")  # no such division
    assert not cpv.is_known("9091")
    assert cpv.lookup("") is None


def test_the_social_service_codes_of_annex_xiv() -> None:
    social = cpv.social_service_codes()
    assert len(social) == 115
    assert "85311000" in social  # social work services with accommodation
    assert "90910000" not in social
    assert all(cpv.lookup(code).social_service for code in social)  # type: ignore[union-attr]


def test_search_is_accent_and_case_insensitive_in_both_languages() -> None:
    french = [item.code for item in cpv.search("NETTOYAGE")]
    assert french[:2] == ["39830000", "90910000"]  # short labels first: the products, services
    assert [item.code for item in cpv.search("nettoyage", limit=3)] == french[:3]
    assert "90911200" in [item.code for item in cpv.search("nett bâtim", limit=50)]
    assert [item.code for item in cpv.search("cleaning", "en", 2)] == french[:2]
    assert cpv.search("ecole") == cpv.search("École")
    assert cpv.search("ecole")


def test_search_ranks_labels_in_the_asked_language_first() -> None:
    # `services` begins words of both labels of most service codes; `traiteur` only French ones.
    assert cpv.search("traiteur", "en", 1)[0].code == "55520000"  # found in French all the same
    english_first = cpv.search("déneigement snow", "en")
    assert english_first == []  # every word must match within one language's label
    assert cpv.search("snow", "en")[0].label("en").startswith("Snow")


def test_search_by_code_digits_and_nothing_for_nonsense() -> None:
    assert [item.code for item in cpv.search("9091", limit=2)] == ["90910000", "90911000"]
    assert [item.code for item in cpv.search("90910000-9")] == ["90910000"]
    assert cpv.search("zzqxw") == []
    assert cpv.search("") == []
    assert cpv.search("nettoyage", limit=0) == []


def test_labels_are_folded_once_and_queries_match_word_beginnings() -> None:
    words = label_words("Services d'hébergement, Îles")
    assert words == ("services", "d", "hebergement", "iles")
    assert matches(query_words("héberg serv"), words)
    assert not matches(query_words("bergement"), words)  # a word's middle is no match
    assert not matches(query_words("  "), words)


def test_the_generated_file_says_where_it_comes_from() -> None:
    header = [
        line for line in Path(cpv.CPV_FILE).read_text("utf-8").splitlines()[:8] if line[0] == "#"
    ]
    text = " ".join(header)
    for source in ("eForms SDK 1.15.1", "2011/833/EU", "CC BY 4.0"):
        assert source in text


def test_naics_titles_by_code_and_words() -> None:
    assert naics.title("561720") == "Janitorial Services"
    assert naics.title("32") == naics.title("31") == "Manufacturing"  # 31-33, one sector
    assert naics.title("5699") is None
    assert naics.search("janitorial") == [("56172", "Janitorial Services")]  # once, broadest
    assert naics.search("561720") == [("561720", "Janitorial Services")]
    assert [code for code, _ in naics.search("5617", limit=3)] == ["5617", "56171", "56172"]
    assert naics.search("") == []
