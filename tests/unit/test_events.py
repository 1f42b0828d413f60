from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from shared.events import (
    CodeScheme,
    Tender,
    TenderEvent,
    TenderEventKind,
    code_problem,
    text_problem,
)
from tests.factories import make_tender, tender_data


def test_uid_is_source_and_source_id() -> None:
    assert make_tender(source="seao", source_id="1234567").uid == "seao:1234567"


def test_event_round_trips_through_json() -> None:
    event = TenderEvent(kind=TenderEventKind.PUBLISHED, tender=make_tender())
    assert TenderEvent.model_validate_json(event.model_dump_json()) == event


def test_a_given_uid_must_agree() -> None:
    with pytest.raises(ValidationError, match="does not match"):
        Tender.model_validate(tender_data(uid="other:1"))


def test_deadline_needs_a_time_zone_and_is_stored_in_utc() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        make_tender(submission_deadline="2027-01-15T14:00:00")
    tender = make_tender(submission_deadline="2027-01-15T14:00:00-05:00")
    assert tender.submission_deadline.isoformat() == "2027-01-15T19:00:00+00:00"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("deadline_timezone", "Mars/Olympus"),
        ("language", "French"),
        ("source", "Bad Source"),
        ("source_id", "has space"),
        ("title", ""),
        ("unknown_field", 1),
    ],
)
def test_invalid_fields_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as info:
        Tender.model_validate(tender_data(**{field: value}))
    assert field in str(info.value)


@pytest.mark.parametrize(
    "value",
    [
        1_900_000_000,
        1.9e9,
        "1900000000",
        True,
        "2031-01-15",
        "2031-01-15T14:00:00",
        "2031-01-15 14:00:00Z",
        "15/01/2031 14:00 -05:00",
        "2031-01-15T14:00:00 EST",
        None,
    ],
)
@pytest.mark.parametrize("field", ["published_at", "submission_deadline"])
def test_datetimes_are_iso_8601_strings_with_an_offset_nothing_else(
    field: str, value: object
) -> None:
    with pytest.raises(ValidationError) as info:
        Tender.model_validate(tender_data(**{field: value}))
    [error] = info.value.errors()
    assert error["loc"] == (field,)
    assert "expected an ISO 8601 date-time string with a timezone offset" in error["msg"]


def test_datetimes_in_json_and_aware_python_datetimes_are_read() -> None:
    tender = make_tender(
        published_at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
        submission_deadline="2031-01-15T14:00:00.5+01:00",
    )
    assert tender.submission_deadline == datetime(2031, 1, 15, 13, 0, 0, 500_000, tzinfo=UTC)
    event = TenderEvent(kind=TenderEventKind.PUBLISHED, tender=tender)
    assert TenderEvent.model_validate_json(event.model_dump_json()) == event


@pytest.mark.parametrize("value", ["xx", "FR", "fra", "f", "français", "zz"])
def test_language_is_an_iso_639_1_code(value: str) -> None:
    with pytest.raises(ValidationError, match="ISO 639-1") as info:
        make_tender(language=value)
    assert info.value.errors()[0]["loc"] == ("language",)


@pytest.mark.parametrize(
    ("scheme", "code", "problem"),
    [
        (CodeScheme.CPV, "45000000-7", None),
        (CodeScheme.CPV, "45233162", None),
        (CodeScheme.CPV, "4523316", "expected 8 digits"),
        (CodeScheme.CPV, "45233162-", "expected 8 digits"),
        (CodeScheme.CPV, "45233162-22", "expected 8 digits"),
        (CodeScheme.CPV, "4523316A", "expected 8 digits"),
        (CodeScheme.CPV, "02000000-1", "no CPV division starts with 02"),
        (CodeScheme.UNSPSC, "76111500", None),
        (CodeScheme.UNSPSC, "7611150012", None),
        (CodeScheme.UNSPSC, "76000000", None),
        (CodeScheme.UNSPSC, "7611150A", "no letters"),
        (CodeScheme.UNSPSC, "761115", "6 digits: expected 8"),
        (CodeScheme.UNSPSC, "761115001", "9 digits: expected 8"),
        (CodeScheme.UNSPSC, "05111500", "no UNSPSC segment 05"),
        (CodeScheme.UNSPSC, "76001500", "under an empty one"),
        (CodeScheme.UNSPSC, "７６１１１５００", "no letters"),  # full-width digits
        (CodeScheme.NAICS, "561720", None),
        (CodeScheme.NAICS, "56", None),
        (CodeScheme.NAICS, "5617201", "2 to 6 digits"),
        (CodeScheme.NAICS, "991234", "no NAICS sector 99"),
        (CodeScheme.GSIN, "N7610A", None),
        (CodeScheme.GSIN, "n7610a", "upper-case"),
        (CodeScheme.GSIN, "N-7610", "upper-case"),
    ],
)
def test_code_problem_says_what_cannot_exist_in_its_scheme(
    scheme: CodeScheme, code: str, problem: str | None
) -> None:
    found = code_problem(scheme, code)
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert problem in found
        assert "expected" in found


@pytest.mark.parametrize(
    ("text", "multiline", "problem"),
    [
        ("Entretien ménager « 2027 » 🚚", False, None),
        ("Ligne 1\n\tLigne 2\r\n", True, None),
        ("Ligne 1\nLigne 2", False, "U+000A at position 7"),
        ("\x00", False, "U+0000 at position 0"),
        ("\x1b[31mrouge", True, "U+001B"),
        ("\x9b31m", True, "U+009B"),
        ("\x7f", True, "U+007F"),
        ("\ud800", True, "U+D800"),
    ],
)
def test_text_problem_names_the_control_character(
    text: str, multiline: bool, problem: str | None
) -> None:
    found = text_problem(text, multiline=multiline)
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert problem in found
        assert "expected printable text" in found
