"""What a feed does with the values the API refuses: keep the notice and drop (or flag) an odd
value, or reject the notice with its reason when a required field has nothing usable left."""

from __future__ import annotations

import json
from pathlib import Path

from structlog.testing import capture_logs

from ingest.formats import Rejected, normalise
from ingest.importer import ImportSummary, NoticeImporter
from ingest.intake import TenderIntake
from shared.events import CodeScheme
from tests.fakes import InMemoryTenders, RecordingPublisher
from tests.unit.formats.corpus import parsed
from tests.unit.formats.test_ocds import release, run, single


def test_control_characters_are_dropped_from_texts_and_the_notice_kept() -> None:
    data = release(
        title="\x1b[2J\x1b[31mEntretien\x00 ménager\x9b",
        description="Ligne 1\x07\nLigne\t2\x85",
    )
    data["buyer"]["name"] = "Ville de\x1b Longueuil"
    tender = single(data).tender
    assert tender.title.startswith("[2J[31mEntretien ménager")  # the escapes lose their ESC
    assert tender.description == "Ligne 1\nLigne\t2"
    assert tender.buyer.name == "Ville de Longueuil"


def test_a_title_of_control_characters_only_is_a_missing_title() -> None:
    [outcome] = run(release(title="\x00\x1b\x07"))
    assert isinstance(outcome, Rejected)
    assert outcome.reason.startswith("missing required field(s): title")


def test_a_deadline_given_as_a_number_is_rejected_naming_the_field() -> None:
    [outcome] = run(release(tenderPeriod={"endDate": 1_900_000_000}))
    assert isinstance(outcome, Rejected)
    assert "submission_deadline" in outcome.reason


def test_a_language_that_is_no_iso_code_is_rejected_with_it() -> None:
    data = {**release(), "ocid": "ocds-213czf-1", "language": "xx"}  # not SEAO: no French default
    [outcome] = run(data)
    assert isinstance(outcome, Rejected)
    assert "language (unknown language 'xx')" in outcome.reason


def test_codes_that_cannot_exist_are_dropped_and_the_others_kept() -> None:
    items = [
        {"id": str(n), "classification": {"scheme": scheme, "id": code}}
        for n, (scheme, code) in enumerate(
            [
                ("UNSPSC", "7611150A"),  # a letter
                ("UNSPSC", "761115"),  # too short
                ("UNSPSC", "05111500"),  # no such segment
                ("CPV", "01000000-1"),  # no such division
                ("CPV", "4523316"),  # seven digits
                ("UNSPSC", "76111500"),
                ("CPV", "45233162-2"),
            ]
        )
    ]
    tender = single(release(items=items)).tender
    assert [(c.scheme, c.code) for c in tender.classifications] == [
        (CodeScheme.UNSPSC, "76111500"),
        (CodeScheme.CPV, "45233162-2"),
    ]


def test_normalised_codes_are_the_ones_the_api_accepts() -> None:
    assert normalise.normalise_code(CodeScheme.UNSPSC, "76111500.0") == "76111500"
    assert normalise.normalise_code(CodeScheme.UNSPSC, "7611") is None
    assert normalise.normalise_code(CodeScheme.NAICS, "991234") is None


def test_an_old_nuts_code_is_kept_and_flagged() -> None:
    with capture_logs() as logs:
        outcome = parsed("boamp/boamp-xml_16-181902_test-pub-2.xml")
    [flagged] = [entry for entry in logs if entry["event"] == "notice_values_flagged"]
    assert flagged["notes"] == list(outcome.notes)
    assert outcome.tender.place_of_performance == ["FR824"]
    assert outcome.notes == (
        "place_of_performance: FR824 is not a territory Vigie knows (kept as the notice gives "
        "it; only a profile naming that very code finds it)",
        "buyer.territories: FR824 is not a territory Vigie knows (kept as the notice gives "
        "it; only a profile naming that very code finds it)",
    )


def test_a_cpv_code_missing_from_the_official_list_is_kept_and_flagged() -> None:
    """An old notice's code of another CPV revision, or a typo of the right form: the notice and
    the code stay (a profile on its prefix still finds it), flagged where an operator sees it."""
    items = [
        {"id": str(n), "classification": {"scheme": "CPV", "id": code}}
        for n, code in enumerate(["45233162-2", "45999999-3"])
    ]
    with capture_logs() as logs:
        outcome = single(release(items=items))
    assert [c.code for c in outcome.tender.classifications] == ["45233162-2", "45999999-3"]
    assert outcome.notes == (
        "classifications.1.code: CPV 45999999-3 is not in the CPV 2008 vocabulary: expected a "
        "code of the official list, such as 90910000-9 (kept as the notice gives it; a profile "
        "whose code prefix it starts with finds it)",
    )
    [flagged] = [entry for entry in logs if entry["event"] == "notice_values_flagged"]
    assert flagged["notes"] == list(outcome.notes)


def test_known_territories_raise_no_flag() -> None:
    outcome = single(release())
    assert outcome.tender.buyer.territories == ["CA-QC"]
    assert outcome.notes == ()


def test_an_old_notice_keeps_its_past_deadline_even_before_its_release_date() -> None:
    """Paraguay's release is dated 2017 for a tender that closed in 2015: the notice is kept
    (the matcher tells no one of a closed tender), not refused as the API would."""
    tender = parsed("ocds/py-dncp_tender_lots_284745.json").tender
    assert tender.submission_deadline < tender.published_at


async def test_ingest_file_rejects_the_unusable_notice_with_its_reason(tmp_path: Path) -> None:
    good = release()
    blank = {**release(title="\x00\x1b"), "ocid": "ocds-ec9k95-7654321"}
    timestamp = {**release(tenderPeriod={"endDate": 1_900_000_000}), "ocid": "ocds-ec9k95-1"}
    path = tmp_path / "package.json"
    path.write_text(json.dumps({"releases": [good, blank, timestamp]}))
    publisher = RecordingPublisher()
    importer = NoticeImporter(TenderIntake(InMemoryTenders(), publisher), "test")
    summary = await importer.run([path], ImportSummary(), lambda _: None)
    assert summary.counts == {"accepted": 1, "rejected": 2}
    reasons = dict(summary.rejected)
    assert reasons["package.json#ocds-ec9k95-7654321"].startswith(
        "missing required field(s): title"
    )
    assert "submission_deadline" in reasons["package.json#ocds-ec9k95-1"]
    assert [event.tender.uid for event in publisher.events] == ["seao:1234567"]
