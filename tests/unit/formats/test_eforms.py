"""TED eForms notices: real OJ S notices and SDK examples from the corpus, plus variants."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from ingest.formats import Parsed, Rejected, Skipped, parse_document
from shared.events import Category, ReservedFor, TenderEventKind
from tests.unit.formats.corpus import only, parsed, read

MAXIMAL = "ted-eforms/sdk-example_cn_24_maximal.xml"


def variant(relative: str, *replacements: tuple[bytes, bytes]) -> Parsed | Skipped | Rejected:
    data = read(relative)
    for old, new in replacements:
        assert old in data, old
        data = data.replace(old, new)
    outcomes = parse_document("variant.xml", data)
    assert len(outcomes) == 1
    return outcomes[0]


def test_real_french_notice_with_two_lots() -> None:
    outcome = parsed("ted-eforms/ted-real_2024-OJS017-00047522.xml")
    tender = outcome.tender
    assert outcome.kind == TenderEventKind.PUBLISHED
    assert tender.uid == "ted:240d1ad9-b2d8-45ec-bea9-d11e7a75b28e"  # BT-04, the procedure
    assert tender.title.startswith("Prestations de collecte des colonnes de verre et de papier")
    assert tender.language == "fr"
    assert tender.buyer.name == "Communauté de Communes du Piémont Cévenol"
    assert tender.buyer.id == "20003441100013"
    # The buyer is the EPCI (SIRET 200034411 00013), not only its seat, Quissac.
    assert tender.buyer.territories == ["FR-EPCI-200034411", "FRJ12"]
    assert tender.place_of_performance == ["FRJ12"]
    assert [c.code for c in tender.classifications] == ["90511100", "90511400"]
    assert [(lot.id, [c.code for c in lot.classifications]) for lot in tender.lots] == [
        ("LOT-0001", ["90511100"]),
        ("LOT-0002", ["90511400"]),
    ]
    assert tender.submission_deadline == datetime(2024, 2, 28, 10, 0, tzinfo=UTC)
    assert tender.deadline_timezone == "Europe/Paris"
    assert tender.published_at == datetime(2024, 1, 24, 0, 0, tzinfo=UTC)
    assert tender.procurement_method == "open"
    assert tender.category == Category.SERVICES
    assert (tender.reserved_for, tender.social_clause) == ([], False)


def test_the_publication_number_is_in_the_ref() -> None:
    outcome = only("ted-eforms/ted-real_2024-OJS197-00607986.xml")
    assert isinstance(outcome, Skipped)
    assert outcome.ref == "ted-real_2024-OJS197-00607986.xml#00607986-2024"
    assert "contract award notice can-standard" in outcome.reason


def test_design_contest_deadline_and_nuts_place() -> None:
    tender = parsed("ted-eforms/ted-real_2024-OJS015-00041387.xml").tender
    assert tender.submission_deadline == datetime(2024, 3, 4, 10, 0, tzinfo=UTC)
    assert tender.place_of_performance == ["FRI23"]
    assert tender.buyer.name == "Région Nouvelle-Aquitaine"


def test_restricted_procedure_uses_the_request_to_participate_deadline() -> None:
    tender = parsed("ted-eforms/ted-real_2024-OJS056-00163529.xml").tender
    assert tender.language == "nl"
    assert tender.deadline_timezone == "Europe/Brussels"
    assert tender.submission_deadline == datetime(2024, 4, 15, 12, 0, tzinfo=UTC)  # BT-1311
    assert [c.code for c in tender.classifications] == ["79710000", "79713000"]


def test_pin_call_for_competition_uses_the_expression_of_interest_deadline() -> None:
    tender = parsed("ted-eforms/ted-real_2024-OJS052-00152054.xml").tender
    assert tender.submission_deadline == datetime(2024, 5, 23, 8, 15, tzinfo=UTC)  # BT-630
    assert tender.estimated_value is not None
    assert (tender.estimated_value.amount, tender.estimated_value.currency) == (
        Decimal("12960000.00"),
        "EUR",
    )
    assert tender.buyer.name == "Farys"


def test_sheltered_workshop_reservation() -> None:
    tender = parsed("ted-eforms/sdk-example_pin-cfc-social_24.xml").tender
    assert tender.reserved_for == [ReservedFor.INSERTION, ReservedFor.SHELTERED]  # BT-71 res-ws
    assert tender.submission_deadline == datetime(2023, 5, 31, 12, 0, tzinfo=UTC)
    assert tender.deadline_timezone == "Europe/Athens"


def test_reservation_of_one_lot_out_of_two_is_not_the_tender_s() -> None:
    tender = parsed(MAXIMAL).tender
    assert tender.reserved_for == []  # res-pub-ser on LOT-0001 only
    assert tender.social_clause is True  # reserved execution, BT-736
    assert [lot.id for lot in tender.lots] == ["LOT-0001", "LOT-0002"]  # not the GLO group
    assert tender.estimated_value is not None
    assert tender.estimated_value.amount == Decimal("9999999.99")
    assert tender.submission_deadline == datetime(2023, 5, 22, 19, 59, 32, tzinfo=UTC)


def test_public_service_mission_reservation_on_every_lot_is_social_economy() -> None:
    outcome = variant(
        MAXIMAL,
        (
            b'listName="reserved-procurement">none<',
            b'listName="reserved-procurement">res-pub-ser<',
        ),
    )
    assert isinstance(outcome, Parsed)
    assert outcome.tender.reserved_for == [ReservedFor.SOCIAL_ECONOMY]


def test_social_objective_employment_opportunities_is_a_social_clause() -> None:
    tender = parsed("ted-eforms/sdk-example_cn-social_25.xml").tender
    assert tender.social_clause is True
    assert tender.estimated_value is not None
    assert tender.estimated_value.currency == "BWP"
    assert tender.category == Category.GOODS


def test_change_notices_amend_or_cancel_under_the_procedure_uid() -> None:
    amended = parsed("ted-eforms/sdk-example_change-cn_24_open_dates.xml")
    assert amended.kind == TenderEventKind.AMENDED
    assert amended.tender.revision == 2
    assert amended.tender.submission_deadline == datetime(2020, 6, 12, 11, 0, tzinfo=UTC)
    cancelled = parsed("ted-eforms/sdk-example_change-cn_24_void.xml")
    assert cancelled.kind == TenderEventKind.CANCELLED
    assert cancelled.tender.uid == "ted:4805c409-5939-4be9-8abd-837f7a5fee23"


def test_planning_only_notice_is_skipped() -> None:
    outcome = only("ted-eforms/sdk-example_pin-rtl_81.xml")
    assert isinstance(outcome, Skipped)
    assert outcome.reason.startswith("planning notice pin-rtl")


def test_notice_without_any_deadline_is_rejected_naming_the_field() -> None:
    outcome = variant(
        "ted-eforms/ted-real_2024-OJS015-00041387.xml",
        (b"TenderSubmissionDeadlinePeriod>", b"SomeOtherPeriod>"),
    )
    assert isinstance(outcome, Rejected)
    assert "submission_deadline" in outcome.reason
    assert "BT-131" in outcome.reason


def test_unknown_notice_type_is_rejected() -> None:
    outcome = variant(
        "ted-eforms/ted-real_2024-OJS015-00041387.xml",
        (b'listName="competition">cn-desg<', b'listName="mystery">xx-new<'),
    )
    assert isinstance(outcome, Rejected)
    assert "unknown eForms notice type xx-new" in outcome.reason


def test_naive_times_are_read_in_the_buyer_zone() -> None:
    outcome = variant(
        "ted-eforms/ted-real_2024-OJS015-00041387.xml",
        (b"<cbc:EndDate>2024-03-04+02:00</cbc:EndDate>", b"<cbc:EndDate>2024-03-04</cbc:EndDate>"),
        (b"<cbc:EndTime>12:00:00+02:00</cbc:EndTime>", b"<cbc:EndTime>12:00:00</cbc:EndTime>"),
    )
    assert isinstance(outcome, Parsed)
    # 12:00 in Paris in March (UTC+1) is 11:00 UTC.
    assert outcome.tender.submission_deadline == datetime(2024, 3, 4, 11, 0, tzinfo=UTC)
