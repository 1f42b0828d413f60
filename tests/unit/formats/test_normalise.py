"""The normalisation helpers shared by every adapter: texts, codes, languages, times, money,
links and places."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.formats import places
from ingest.formats.normalise import (
    classification,
    clean_text,
    code_scheme,
    combine_date_time,
    http_url,
    money,
    normalise_code,
    normalise_language,
    one_line,
    parse_amount,
    parse_instant,
    safe_source_id,
    strip_markup,
    total,
    truncate,
)
from shared.events import Classification, CodeScheme


def test_texts_are_trimmed_and_titles_fit_on_one_line() -> None:
    assert clean_text("  Climate Science \r\n for Service  ") == "Climate Science \n for Service"
    assert clean_text("   ") is None
    assert clean_text(12) is None
    assert one_line(" Title (BT-21-Lot)\n*\nvol3 ") == "Title (BT-21-Lot) * vol3"
    assert strip_markup("<p>Addendum&nbsp;1</p><p>Second</p>") == "Addendum\xa01\nSecond"
    assert strip_markup("a < b and c > d") == "a < b and c > d"
    assert truncate("abcdef", 4) == "abc…"


def test_source_ids_keep_slashes_but_encode_spaces_and_hashes() -> None:
    assert safe_source_id("01896-110201/001/WPG") == "01896-110201/001/WPG"
    assert safe_source_id("AO 2026#4") == "AO%202026%234"
    assert safe_source_id("x" * 121) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("English", "en"),
        ("EN", "en"),
        ("en-GB", "en"),
        ("fr_CA", "fr"),
        ("FRA", "fr"),
        ("fre", "fr"),
        ("Français", "fr"),
        ("NLD", "nl"),
        ("uk", "uk"),
        ("md", "ro"),  # Moldova's country code used as a language
        ("xx", None),
        ("Klingon", None),
        ("", None),
        (None, None),
        (12, None),
    ],
)
def test_language_labels_become_iso_639_1(raw: object, expected: str | None) -> None:
    assert normalise_language(raw) == expected


@pytest.mark.parametrize(
    ("scheme", "raw", "expected"),
    [
        (CodeScheme.UNSPSC, " 30000000", "30000000"),
        (CodeScheme.CPV, "45233130.0", "45233130"),
        (CodeScheme.CPV, "90910000-9", "90910000-9"),
        (CodeScheme.CPV, "90910000", "90910000"),
        (CodeScheme.CPV, "9091", None),
        (CodeScheme.CPV, "90910000-99", None),
        (CodeScheme.GSIN, "n3720", "N3720"),
        (CodeScheme.NAICS, 561720, "561720"),
        (CodeScheme.UNSPSC, "72131701-002", None),
        (CodeScheme.UNSPSC, None, None),
    ],
)
def test_codes_are_normalised_per_scheme(
    scheme: CodeScheme, raw: object, expected: str | None
) -> None:
    assert normalise_code(scheme, raw) == expected


def test_only_vigie_schemes_are_kept() -> None:
    assert code_scheme("cpv") == CodeScheme.CPV
    assert code_scheme(" UNSPSC ") == CodeScheme.UNSPSC
    assert code_scheme("CPVS") is None
    assert code_scheme("ДКПП") is None
    assert classification("CPVS", "AA01") is None
    found = classification("CPV", "45233162-2", "  Cycle path\nconstruction work ")
    assert found == Classification(
        scheme=CodeScheme.CPV, code="45233162-2", description="Cycle path construction work"
    )


@settings(max_examples=200, deadline=None)
@given(scheme=st.sampled_from(["CPV", "UNSPSC", "GSIN", "NAICS"]), raw=st.text(max_size=30))
def test_any_kept_code_passes_the_classification_pattern(scheme: str, raw: str) -> None:
    found = classification(scheme, raw)
    if found is not None:
        assert found.code.replace("-", "").isalnum()


def test_times_with_an_offset_are_kept_and_naive_ones_get_the_zone() -> None:
    assert parse_instant("2017-01-30T16:00:00+01:00", "UTC", date_only="end") == datetime(
        2017, 1, 30, 15, 0, tzinfo=UTC
    )
    naive = parse_instant("2026-07-01T14:00:00", "America/Toronto", date_only="end")
    assert naive == datetime(2026, 7, 1, 18, 0, tzinfo=UTC)
    assert parse_instant("2014-04-15T14:00:00.00Z", "UTC", date_only="end") == datetime(
        2014, 4, 15, 14, 0, tzinfo=UTC
    )


def test_date_only_is_end_of_day_for_deadlines_and_start_for_publication() -> None:
    end = parse_instant("2026-12-01", "Europe/Paris", date_only="end")
    start = parse_instant("2026-12-01", "Europe/Paris", date_only="start")
    assert end == datetime(2026, 12, 1, 23, 59, 59, tzinfo=ZoneInfo("Europe/Paris"))
    assert start == datetime(2026, 12, 1, 0, 0, tzinfo=ZoneInfo("Europe/Paris"))
    # An XSD date with an offset is a date, not a time of day.
    assert parse_instant("2024-01-22+02:00", "UTC", date_only="start") == datetime(
        2024, 1, 21, 22, 0, tzinfo=UTC
    )


@pytest.mark.parametrize("raw", ["31/02/2026", "2026-02-31", "tomorrow", "", None, 20260101])
def test_unreadable_times_are_none(raw: object) -> None:
    assert parse_instant(raw, "UTC", date_only="end") is None


def test_split_date_and_time_are_combined() -> None:
    moment = combine_date_time("2024-02-28+02:00", "12:00:00+02:00", "UTC", date_only="end")
    assert moment == datetime(2024, 2, 28, 10, 0, tzinfo=UTC)
    no_time = combine_date_time("2024-02-28Z", None, "UTC", date_only="end")
    assert no_time == datetime(2024, 2, 28, 23, 59, 59, tzinfo=UTC)
    assert combine_date_time(None, "12:00:00", "UTC", date_only="end") is None


def test_money_keeps_its_currency_and_cents() -> None:
    assert money("1 000 000,00", "eur") is not None
    found = money("1 000 000,00", "eur")
    assert found is not None
    assert (found.amount, found.currency) == (Decimal("1000000.00"), "EUR")
    assert money(8923.945, "CAD") is not None
    assert parse_amount("1,000,000.50") == Decimal("1000000.50")
    for amount, currency in [("", ""), ("-5", "EUR"), ("5", "euro"), ("nan", "EUR"), (True, "EUR")]:
        assert money(amount, currency) is None


def test_lot_values_add_up_only_in_one_currency() -> None:
    eur, cad = money(1, "EUR"), money(2, "CAD")
    assert total([eur, money("2.5", "EUR")]) == money("3.50", "EUR")
    assert total([eur, cad]) is None
    assert total([eur, None]) is None
    assert total([]) is None


def test_links_must_be_http() -> None:
    assert http_url(" https://www.achatpublic.com ") == "https://www.achatpublic.com"
    assert http_url("www.achatpublic.com") is None
    assert http_url("ftp://example.com/file") is None
    assert http_url("http://") is None


def test_countries_provinces_and_zones() -> None:
    assert places.country_code("FRA") == "FR"
    assert places.country_code("United Kingdom") == "GB"
    assert places.country_code("UK") == "GB"
    assert places.country_code(" Україна") == "UA"
    assert places.locate("CA", "Québec") == (["CA-QC"], "America/Toronto")
    assert places.locate("CA", "Manitoba") == (["CA-MB"], "America/Winnipeg")
    assert places.locate("CA", None) == (["CA"], "America/Toronto")
    assert places.locate(None) == ([], None)


def test_french_departments_and_overseas_zones() -> None:
    assert places.french_department("35") == "35"
    assert places.french_department(None, "20090") == "2A"
    assert places.french_department(None, "97110") == "971"
    assert places.department_zone("971") == "America/Guadeloupe"
    assert places.department_zone("75") == "Europe/Paris"
    assert places.nuts_zone("FRY10") == "America/Guadeloupe"
    assert places.nuts_zone("EL303") == "Europe/Athens"
    assert places.domain_country("buyandsell.gc.ca") == "CA"


def test_every_zone_in_the_tables_is_a_real_zone() -> None:
    for name in places.COUNTRY_ZONES.values():
        ZoneInfo(name)
    for code in ("971", "972", "973", "974", "975", "976", "977", "978", "986", "987", "988"):
        ZoneInfo(places.department_zone(code))
