"""BOAMP XML notices: real corpus files, and variants of them for what the corpus lacks."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from ingest.formats import Parsed, Rejected, Skipped, parse_document
from shared.events import Category, ReservedFor, TenderEventKind
from tests.unit.formats.corpus import only, parsed, read

PUB_2 = "boamp/boamp-xml_16-181902_test-pub-2.xml"

# What a corrective or cancelling notice adds: the earlier notices it refers to.
EARLIER = b"""<MARCHE><ANNONCE_ANTERIEUR><REFERENCE><IDWEB>16-170001</IDWEB><TYPE_AVIS>
<NATURE><APPEL_OFFRE/></NATURE><STATUT><INITIAL/></STATUT></TYPE_AVIS></REFERENCE>
</ANNONCE_ANTERIEUR></MARCHE>"""


def variant(*replacements: tuple[bytes, bytes]) -> Parsed | Skipped | Rejected:
    """The outcome of the PUB_2 notice with some of its text replaced."""
    data = read(PUB_2)
    for old, new in replacements:
        assert old in data, old
        data = data.replace(old, new, 1)
    outcomes = parse_document("variant.xml", data)
    assert len(outcomes) == 1
    return outcomes[0]


def test_open_call_with_its_codes_value_deadline_and_places() -> None:
    outcome = parsed(PUB_2)
    tender = outcome.tender
    assert outcome.kind == TenderEventKind.PUBLISHED
    assert (tender.uid, tender.revision) == ("boamp:16-181902", 1)
    assert tender.title.startswith("Mission de maîtrise d'oeuvre pour la conception d'un ouvrage")
    assert tender.language == "fr"
    assert tender.buyer.name == "Grand Port Maritime de Marseille"
    assert tender.buyer.territories == [
        "FR-COM-13055",
        "FR-DEP-13",
        "FR824",
    ]  # "MARSEILLE Cedex 02"
    assert tender.place_of_performance == ["FR824"]
    # The undivided notice's single lot section lends its codes and value to the tender.
    assert [c.code for c in tender.classifications] == ["71240000", "79311000", "71335000"]
    assert tender.lots == []
    assert tender.estimated_value is not None
    assert (tender.estimated_value.amount, tender.estimated_value.currency) == (
        Decimal("50000.00"),
        "EUR",
    )
    assert tender.submission_deadline == datetime(2017, 1, 30, 15, 0, tzinfo=UTC)
    assert tender.deadline_timezone == "Europe/Paris"
    assert tender.published_at == datetime(2016, 12, 31, 23, 0, tzinfo=UTC)  # 1 Jan, Paris
    assert tender.reserved_for == []  # MARCHE_RESERVE_NON
    assert tender.social_clause is False
    assert tender.procurement_method == "open"
    assert tender.category == Category.SERVICES
    assert str(tender.documents_url) == "http://www.marches-publics.gouv.fr/"


def test_profession_reservation_is_not_a_social_reservation() -> None:
    tender = parsed("boamp/boamp-xml_16-186063_test-pub-3.xml").tender
    assert tender.reserved_for == []  # PRESTATION_RESERVEE_OUI: architects
    assert tender.procurement_method == "restricted"
    assert tender.submission_deadline == datetime(2017, 2, 10, 14, 0, tzinfo=UTC)


def test_divided_notice_lists_its_lots_and_adds_their_values() -> None:
    tender = parsed("boamp/boamp-xml_16-186359_test-pub-5.xml").tender
    assert [lot.id for lot in tender.lots] == ["1", "2"]
    assert tender.lots[0].title.startswith("Conception, organisation et réalisation")
    assert [c.code for c in tender.lots[0].classifications] == ["79952000", "79951000"]
    values = [lot.estimated_value.amount if lot.estimated_value else None for lot in tender.lots]
    assert values == [Decimal("1083333.00"), Decimal("6333333.00")]
    assert tender.estimated_value is not None
    assert tender.estimated_value.amount == Decimal("7416666.00")
    assert tender.place_of_performance == ["FR"]


def test_paris_lots_have_titles_and_no_value() -> None:
    tender = parsed("boamp/boamp-xml_16-186394_test-pub.xml").tender
    assert [(lot.id, lot.title) for lot in tender.lots] == [
        ("1", "Prestations de remorquage pour les véhicules légers de la ville de Paris"),
        ("2", "Prestations de remorquage pour les poids lourds de la ville de Paris"),
    ]
    assert tender.estimated_value is None
    assert tender.buyer.territories == ["FR-COM-75056", "FR-DEP-75", "FR101"]


def test_national_notice_summary_title_department_and_documents_link() -> None:
    tender = parsed("boamp/boamp-xml_16-652_test-pub-9.xml").tender
    assert tender.title == (
        "prestation d'interim médical en anesthesie-réanimation, CHU, à Saint-Etienne"
    )
    assert tender.place_of_performance == ["FR-DEP-42", "FR715"]
    assert tender.procurement_method == "adapted"
    assert tender.submission_deadline == datetime(2016, 1, 25, 15, 0, tzinfo=UTC)
    assert str(tender.documents_url).startswith(
        "https://www.achats-hopitaux.com/sdm/ent/gen/ent_detail.do"
    )


def test_award_notices_are_skipped() -> None:
    for relative in (
        "boamp/boamp-xml_16-183123_test-attribution-4.xml",
        "boamp/boamp-xml_17-8864_test-attribution-11.xml",
    ):
        outcome = only(relative)
        assert isinstance(outcome, Skipped)
        assert "award notice (NATURE ATTRIBUTION)" in outcome.reason


def test_corrective_notice_amends_the_initial_notice() -> None:
    outcome = variant((b"<INITIAL/>", b"<RECTIFICATIF/>"), (b"<NOM_HTML>", EARLIER + b"<NOM_HTML>"))
    assert isinstance(outcome, Parsed)
    assert outcome.kind == TenderEventKind.AMENDED
    assert (outcome.tender.uid, outcome.tender.revision) == ("boamp:16-170001", 2)


def test_cancelling_notice_cancels_the_initial_notice() -> None:
    outcome = variant((b"<INITIAL/>", b"<ANNULATION/>"), (b"<NOM_HTML>", EARLIER + b"<NOM_HTML>"))
    assert isinstance(outcome, Parsed)
    assert outcome.kind == TenderEventKind.CANCELLED
    assert outcome.tender.uid == "boamp:16-170001"


def test_corrective_notice_without_reference_stays_under_its_own_number() -> None:
    outcome = variant((b"<INITIAL/>", b"<RECTIFICATIF/>"))
    assert isinstance(outcome, Parsed)
    assert (outcome.kind, outcome.tender.uid) == (TenderEventKind.AMENDED, "boamp:16-181902")


def test_reserved_market_and_social_criteria() -> None:
    reserved = b"<MARCHE_RESERVE_OUI><ATELIERS_PROTEGES/></MARCHE_RESERVE_OUI>"
    social = b"<CRITERES_SOCIAUX_ENV><SOCIAUX/></CRITERES_SOCIAUX_ENV>"
    outcome = variant(
        (b"<MARCHE_RESERVE_NON/>", reserved),
        (b"<DEP_PUBLICATION>", social + b"<DEP_PUBLICATION>"),
    )
    assert isinstance(outcome, Parsed)
    assert outcome.tender.reserved_for == [ReservedFor.SHELTERED]
    assert outcome.tender.social_clause is True


def test_overseas_department_deadline_is_read_in_its_own_zone() -> None:
    outcome = variant(
        (b"<DEP_PUBLICATION>13<", b"<DEP_PUBLICATION>971<"),
        (b"2017-01-30T16:00:00+01:00", b"2017-01-30T16:00:00"),
    )
    assert isinstance(outcome, Parsed)
    assert outcome.tender.deadline_timezone == "America/Guadeloupe"
    assert outcome.tender.buyer.territories[0] == "FR-DEP-971"
    assert outcome.tender.submission_deadline == datetime(2017, 1, 30, 20, 0, tzinfo=UTC)


def test_missing_deadline_is_rejected_naming_the_field() -> None:
    outcome = variant((b"<RECEPT_OFFRES>2017-01-30T16:00:00+01:00</RECEPT_OFFRES>", b""))
    assert isinstance(outcome, Rejected)
    assert "submission_deadline" in outcome.reason
    assert outcome.ref == "variant.xml#16-181902"


def test_unknown_status_is_rejected() -> None:
    outcome = variant((b"<INITIAL/>", b"<AUTRE/>"))
    assert isinstance(outcome, Rejected)
    assert "STATUT 'AUTRE'" in outcome.reason


def test_a_bundle_of_notices_gives_one_outcome_each() -> None:
    notice = read(PUB_2).split(b"?>", 1)[1]
    award = read("boamp/boamp-xml_17-8864_test-attribution-11.xml").split(b"?>", 1)[1]
    outcomes = parse_document("bundle.xml", b"<ANNONCES>" + notice + award + b"</ANNONCES>")
    assert [type(outcome).__name__ for outcome in outcomes] == ["Parsed", "Skipped"]
