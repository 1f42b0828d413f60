"""OCDS releases, packages and records, on real corpus files and on small crafted releases."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from ingest.formats import Parsed, Rejected, Skipped, ocds, parse_document
from ingest.formats.draft import Draft
from shared.events import Category, CodeScheme, ReservedFor, TenderEventKind
from tests.unit.formats.corpus import only, parse, parsed


def codes(outcome: Parsed) -> list[tuple[str, str]]:
    return [(str(item.scheme), item.code) for item in outcome.tender.classifications]


def release(**tender: Any) -> dict[str, Any]:
    """A small valid tender release; tests change what they look at."""
    base_tender: dict[str, Any] = {
        "id": "T-1",
        "title": "Entretien ménager",
        "tenderPeriod": {"endDate": "2026-12-01T14:00:00"},
        "items": [{"id": "1", "classification": {"scheme": "UNSPSC", "id": "76111500"}}],
    }
    base_tender.update(tender)
    return {
        "ocid": "ocds-ec9k95-1234567",
        "id": "r1",
        "date": "2026-11-20T10:00:00-05:00",
        "tag": ["tender"],
        "buyer": {
            "name": "Ville de Longueuil",
            "address": {"region": "Québec", "countryName": "Canada"},
        },
        "tender": base_tender,
    }


def run(document: object) -> list[Parsed | Skipped | Rejected]:
    return parse_document("test.json", json.dumps(document).encode())


def single(document: object) -> Parsed:
    outcomes = run(document)
    assert len(outcomes) == 1
    assert isinstance(outcomes[0], Parsed), outcomes[0]
    return outcomes[0]


# --- real files -----------------------------------------------------------------------------


def test_fictional_tender_release_package() -> None:
    outcome = parsed("ocds/FICTIONAL_ocp_tender_ocds-213czf-000-00001-02.json")
    tender = outcome.tender
    assert outcome.kind == TenderEventKind.PUBLISHED
    assert (tender.uid, tender.revision) == ("ocds-213czf:000-00001", 1)
    assert tender.title == "Planned cycle lane improvements"
    assert tender.language == "en"
    assert tender.buyer.name == "London Borough of Barnet"
    assert tender.buyer.territories == ["GB"]
    assert tender.submission_deadline == datetime(2010, 4, 1, 18, 0, tzinfo=UTC)
    assert tender.deadline_timezone == "Europe/London"
    assert tender.published_at == datetime(2010, 3, 15, 9, 30, tzinfo=UTC)
    # `45233130.0` went through a float at the publisher; the check digit form is kept.
    assert codes(outcome) == [("CPV", "45233130"), ("CPV", "45233162-2")]
    assert tender.estimated_value is not None
    assert (tender.estimated_value.amount, tender.estimated_value.currency) == (
        Decimal("1100000.00"),
        "GBP",
    )
    assert tender.category == Category.WORKS
    assert tender.procurement_method == "open"
    assert str(tender.documents_url) == (
        "http://example.com/tender-notices/ocds-213czf-000-00001-01.html"
    )


def test_fictional_tender_amendment_keeps_the_uid_with_a_higher_revision() -> None:
    outcome = parsed("ocds/FICTIONAL_ocp_tenderAmendment_ocds-213czf-000-00001-03.json")
    assert outcome.kind == TenderEventKind.AMENDED
    assert (outcome.tender.uid, outcome.tender.revision) == ("ocds-213czf:000-00001", 2)
    assert outcome.tender.submission_deadline == datetime(2010, 4, 8, 18, 0, tzinfo=UTC)


def test_nsw_code_with_a_leading_space_upper_case_language_and_html() -> None:
    outcome = parsed("ocds/au-nsw_tender_with_amendments_3.json")
    tender = outcome.tender
    assert tender.uid == "ocds-43qwtd:RFT-05500D53-B15B-C19A-5CA5A30843AC689E"
    assert codes(outcome) == [("UNSPSC", "30000000")]
    assert tender.language == "en"
    assert tender.revision == 4  # three addenda in tender.amendments
    assert tender.description is not None
    assert "<p>" not in tender.description
    assert tender.description.startswith("Construction of an office fit-out")
    assert tender.deadline_timezone == "Australia/Sydney"
    assert tender.submission_deadline == datetime(2018, 1, 23, 1, 0, tzinfo=UTC)


def test_canadian_release_package_gives_both_tenders() -> None:
    outcomes = parse("ocds/ca-buyandsell_tender_release_package_2_releases.json")
    assert all(isinstance(outcome, Parsed) for outcome in outcomes)
    first, second = (outcome.tender for outcome in outcomes if isinstance(outcome, Parsed))
    assert first.uid == "ocds-buyandsell-gc-ca:PW-14-00627094"
    assert first.language == "en"  # "English"
    assert first.title == "Canine Control of the Canada Geese (14-2015)"  # the only item's
    assert first.buyer.name == "Agriculture & Agrifood Canada"
    assert first.buyer.territories == ["CA"]
    assert first.deadline_timezone == "America/Toronto"
    assert first.submission_deadline == datetime(2014, 4, 15, 14, 0, tzinfo=UTC)
    assert [(c.scheme, c.code) for c in first.classifications] == [(CodeScheme.GSIN, "F029")]
    assert str(first.documents_url).endswith("/14-2015_itt.pdf")
    assert [c.code for c in second.classifications] == ["5131BI", "5131C"]


def test_uk_tender_strings_are_trimmed_and_suitability_is_not_a_reservation() -> None:
    outcome = parsed("ocds/uk-contractsfinder_tender_active_59430.json")
    tender = outcome.tender
    assert tender.title == "STANDING LIST OF CONSTRUCTION CONTRACTORS AND SUB-CONTRACTORS"
    assert tender.language == "en"  # "en-GB"
    assert codes(outcome) == [("CPV", "72000000")]
    assert tender.submission_deadline == datetime(2020, 3, 31, 0, 0, tzinfo=UTC)
    assert tender.reserved_for == []
    assert tender.social_clause is False
    assert tender.category == Category.WORKS  # xClassifications.ojeuContractType


def test_moldova_country_code_as_language_and_empty_value() -> None:
    tender = parsed("ocds/md-mtender_tender_19740404.json").tender
    assert tender.language == "ro"
    assert tender.buyer.name == "IMSP SR Anenii Noi"
    assert tender.estimated_value is None
    assert tender.submission_deadline == datetime(2017, 6, 15, 10, 0, tzinfo=UTC)
    assert tender.deadline_timezone == "Europe/Chisinau"


def test_mexico_offset_is_kept_and_upper_case_ocid_is_lowered_in_the_source() -> None:
    tender = parsed("ocds/mx-cdmx_tender_AD-SF-DRM-065-2015-01.json").tender
    assert tender.uid == "ocds-87sd3t:AD-SF-DRM-065-2015"
    assert tender.submission_deadline == datetime(2015, 12, 17, 6, 0, tzinfo=UTC)
    assert tender.estimated_value is not None
    assert tender.estimated_value.currency == "MXN"
    assert tender.language == "es"


def test_paraguay_lots_buyer_from_procuring_entity_and_foreign_catalogue_skipped() -> None:
    tender = parsed("ocds/py-dncp_tender_lots_284745.json").tender
    assert tender.buyer.name == "Municipalidad de Ciudad del Este"
    assert len(tender.lots) == 8
    assert tender.lots[0].id == "JfHB872zxZE%3D"
    assert tender.lots[0].title.startswith("CONSTRUCCION DE PAVIMENTO TIPO EMPEDRADO")
    assert tender.classifications == []
    assert tender.deadline_timezone == "America/Asuncion"
    assert tender.submission_deadline == datetime(2015, 12, 28, 15, 0, tzinfo=UTC)


def test_cancelled_tender_without_a_deadline_is_rejected_naming_the_field() -> None:
    outcome = only("ocds/ua-prozorro_tender_cancelled_UA-2016-12-29-000657-c.json")
    assert isinstance(outcome, Rejected)
    assert "submission_deadline" in outcome.reason
    assert "tender.tenderPeriod.endDate" in outcome.reason


@pytest.mark.parametrize(
    ("relative", "why"),
    [
        ("ocds/ca-qc-montreal_record_063635891f.json", "tags: award"),
        ("ocds/ca-qc-montreal_release_award_063635891f.json", "tags: award"),
        ("ocds/co-secop_awardCancellation_16-13-5282714.json", "awardCancellation"),
        ("ocds/fr-decp-ocds_award_contract_001_marche_simple.json", "no tender section"),
        ("ocds/ca-buyandsell_compiled_01896-110201_001_WPG.json", "no tender section"),
    ],
)
def test_award_and_contract_releases_are_skipped_with_the_reason(relative: str, why: str) -> None:
    outcome = only(relative)
    assert isinstance(outcome, Skipped)
    assert why in outcome.reason


# --- crafted releases -----------------------------------------------------------------------


def test_seao_release_is_french_in_quebec_time() -> None:
    outcome = single(release())
    tender = outcome.tender
    assert (tender.source, tender.source_id) == ("seao", "1234567")
    assert tender.language == "fr"  # SEAO's language when the release says none
    assert tender.buyer.territories == ["CA-QC"]
    assert tender.deadline_timezone == "America/Toronto"
    # A naive deadline is the buyer's local time: 14:00 in Montréal is 19:00 UTC in December.
    assert tender.submission_deadline == datetime(2026, 12, 1, 19, 0, tzinfo=UTC)
    assert codes(outcome) == [("UNSPSC", "76111500")]


def test_date_only_deadline_is_the_end_of_that_day_in_the_buyer_zone() -> None:
    tender = single(release(tenderPeriod={"endDate": "2026-12-01"})).tender
    assert tender.submission_deadline == datetime(2026, 12, 2, 4, 59, 59, tzinfo=UTC)


def test_reserved_participation_and_social_sustainability() -> None:
    tender = single(
        release(
            otherRequirements={"reservedParticipation": ["shelteredWorkshop"]},
            sustainability=[{"goal": "social.disadvantagedEmploymentOpportunities"}],
        )
    ).tender
    assert tender.reserved_for == [ReservedFor.SHELTERED]
    assert tender.social_clause is True


def test_public_service_mission_reservation_is_social_economy() -> None:
    data = release(
        otherRequirements={"reservedParticipation": ["publicServiceMissionOrganization"]}
    )
    assert single(data).tender.reserved_for == [ReservedFor.SOCIAL_ECONOMY]


def test_environmental_goals_and_uk_suitability_are_not_social_flags() -> None:
    tender = single(
        release(
            sustainability=[{"goal": "environmental.wasteReduction"}],
            suitability={"sme": True, "vcse": True},
        )
    ).tender
    assert (tender.reserved_for, tender.social_clause) == ([], False)


def test_lot_reservation_counts_only_when_every_lot_is_reserved() -> None:
    reserved = {"reservedParticipation": ["shelteredWorkshop"]}
    both = release(
        lots=[
            {"id": "1", "title": "Lot 1", "otherRequirements": reserved},
            {"id": "2", "title": "Lot 2", "otherRequirements": reserved},
        ]
    )
    one = release(lots=[{"id": "1", "title": "Lot 1", "otherRequirements": reserved}, {"id": "2"}])
    assert single(both).tender.reserved_for == [ReservedFor.SHELTERED]
    tender = single(one).tender
    assert tender.reserved_for == []
    assert [lot.title for lot in tender.lots] == ["Lot 1", "Lot 2"]


def test_lot_codes_come_from_their_items_and_values_add_up() -> None:
    tender = single(
        release(
            items=[
                {
                    "id": "a",
                    "relatedLot": "1",
                    "classification": {"scheme": "CPV", "id": "90910000-9"},
                },
                {
                    "id": "b",
                    "relatedLot": "2",
                    "classification": {"scheme": "cpv", "id": "90911200"},
                },
            ],
            lots=[
                {"id": "1", "title": "Nettoyage", "value": {"amount": 1000, "currency": "CAD"}},
                {"id": "2", "title": "Vitres", "value": {"amount": "250.5", "currency": "cad"}},
            ],
        )
    ).tender
    assert [[c.code for c in lot.classifications] for lot in tender.lots] == [
        ["90910000-9"],
        ["90911200"],
    ]
    assert tender.estimated_value is not None
    assert tender.estimated_value.amount == Decimal("1250.50")
    assert tender.estimated_value.currency == "CAD"


def test_cancellation_tag_and_status_give_cancelled() -> None:
    by_tag = {**release(), "tag": ["tenderCancellation"]}
    by_status = release(status="cancelled")
    assert single(by_tag).kind == TenderEventKind.CANCELLED
    assert single(by_status).kind == TenderEventKind.CANCELLED


def test_amendment_names_the_changed_fields_it_lists() -> None:
    data = {
        **release(amendments=[{"id": "1", "changes": [{"property": "tenderPeriod"}]}]),
        "tag": ["tenderAmendment"],
    }
    outcome = single(data)
    assert outcome.kind == TenderEventKind.AMENDED
    assert outcome.changed_fields == ("submission_deadline",)
    assert outcome.tender.revision == 2


def test_record_package_uses_the_compiled_release_and_counts_tender_releases() -> None:
    first = release()
    amended = {**release(title="Entretien ménager (modifié)"), "tag": ["tenderAmendment"]}
    compiled = {**amended, "tag": ["compiled"]}
    package = {"records": [{"ocid": first["ocid"], "releases": [first, amended],
                            "compiledRelease": compiled}]}  # fmt: skip
    outcome = single(package)
    assert outcome.kind == TenderEventKind.AMENDED
    assert outcome.tender.title == "Entretien ménager (modifié) (réf. T-1)"
    assert outcome.tender.revision == 2


def test_release_package_is_read_in_date_order() -> None:
    later = {**release(title="B"), "date": "2026-11-22T10:00:00Z", "tag": ["tenderAmendment"]}
    earlier = {**release(title="A"), "date": "2026-11-21T10:00:00Z"}
    outcomes = run({"releases": [later, earlier]})
    titles = [o.tender.title for o in outcomes if isinstance(o, Parsed)]
    assert titles == ["A (réf. T-1)", "B (réf. T-1)"]  # SEAO: the buyer's reference is kept


def test_missing_required_fields_are_all_named() -> None:
    data = release(title=None, tenderPeriod={})
    data["buyer"] = {}
    outcome = run(data)[0]
    assert isinstance(outcome, Rejected)
    for name in ("title", "buyer.name", "submission_deadline"):
        assert name in outcome.reason
    assert outcome.ref == "test.json#ocds-ec9k95-1234567"


def test_unreadable_deadline_is_reported_as_such() -> None:
    outcome = run(release(tenderPeriod={"endDate": "31/02/2026"}))[0]
    assert isinstance(outcome, Rejected)
    assert "unreadable tender.tenderPeriod.endDate '31/02/2026'" in outcome.reason


def test_past_deadline_is_not_a_reason_to_reject() -> None:
    tender = single(release(tenderPeriod={"endDate": "2001-01-01T12:00:00Z"})).tender
    assert tender.submission_deadline.year == 2001


def test_ocid_without_prefix_or_publisher_is_rejected() -> None:
    outcome = run({**release(), "ocid": "PW-14-1"})[0]
    assert isinstance(outcome, Rejected)
    assert "no OCDS prefix" in outcome.reason


def test_one_broken_release_does_not_sink_its_package(monkeypatch: pytest.MonkeyPatch) -> None:
    real_fill = ocds._fill

    def fill(draft: Draft, release: dict[str, Any], *rest: Any) -> None:
        if release["ocid"] == "ocds-ec9k95-2":
            raise RuntimeError("surprise")
        real_fill(draft, release, *rest)

    monkeypatch.setattr(ocds, "_fill", fill)
    broken = {**release(), "ocid": "ocds-ec9k95-2"}
    outcomes = run({"releases": [release(), broken, "not a release"]})
    assert [type(outcome).__name__ for outcome in outcomes] == ["Parsed", "Rejected", "Rejected"]
    assert isinstance(outcomes[1], Rejected)
    assert outcomes[1].reason == "unexpected RuntimeError while reading: surprise"
    assert outcomes[1].ref == "test.json#ocds-ec9k95-2"
    assert isinstance(outcomes[2], Rejected)
    assert "not JSON objects" in outcomes[2].reason


def test_odd_shapes_are_tolerated() -> None:
    tender = single(
        release(sustainability=5, lots={"id": 1}, otherRequirements="none", documents=[3])
    ).tender
    assert (tender.lots, tender.reserved_for, tender.documents_url) == ([], [], None)


def test_unknown_schemes_are_skipped_code_by_code() -> None:
    data = release(
        items=[
            {"id": "1", "classification": {"scheme": "CPVS", "id": "AA01"}},
            {"id": "2", "classification": {"scheme": "NAICS", "id": "561720"},
             "additionalClassifications": [{"scheme": "ДКПП", "id": "35.11.1"}]},
        ]
    )  # fmt: skip
    assert codes(single(data)) == [("NAICS", "561720")]
