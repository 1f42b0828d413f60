from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.events import Tender, TenderEvent, TenderEventKind
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
