"""Every file of the real-notice corpus, end to end: each gives its expected outcomes.

The table is exhaustive on purpose: a new corpus file must be added to it, and a change in what
any file gives (a kind, a uid, a skip turning into a rejection) fails here.
"""

from __future__ import annotations

import hashlib

import pytest

from ingest.formats import Parsed, Rejected, Skipped, parse_document
from tests.unit.formats.corpus import CORPUS, corpus_files, describe, parse

EXPECTED: dict[str, list[str]] = {
    # OCDS
    "ocds/FICTIONAL_ocp_tender_ocds-213czf-000-00001-02.json": [
        "Parsed(published) ocds-213czf:000-00001"
    ],
    "ocds/FICTIONAL_ocp_tenderAmendment_ocds-213czf-000-00001-03.json": [
        "Parsed(amended) ocds-213czf:000-00001"
    ],
    "ocds/au-nsw_tender_with_amendments_3.json": [
        "Parsed(published) ocds-43qwtd:RFT-05500D53-B15B-C19A-5CA5A30843AC689E"
    ],
    "ocds/ca-buyandsell_compiled_01896-110201_001_WPG.json": ["Skipped"],
    "ocds/ca-buyandsell_tender_release_package_2_releases.json": [
        "Parsed(published) ocds-buyandsell-gc-ca:PW-14-00627094",
        "Parsed(published) ocds-buyandsell-gc-ca:PW-14-00629344",
    ],
    "ocds/ca-qc-montreal_record_063635891f.json": ["Skipped"],
    "ocds/ca-qc-montreal_release_award_063635891f.json": ["Skipped"],
    "ocds/ca-qc-montreal_release_award_f1347447f2.json": ["Skipped"],
    "ocds/co-secop_awardCancellation_16-13-5282714.json": ["Skipped"],
    "ocds/fr-decp-ocds_award_contract_001_marche_simple.json": ["Skipped"],
    "ocds/md-mtender_tender_19740404.json": ["Parsed(published) ocds-ngfbwp:19740404"],
    "ocds/mx-cdmx_tender_AD-SF-DRM-065-2015-01.json": [
        "Parsed(published) ocds-87sd3t:AD-SF-DRM-065-2015"
    ],
    "ocds/py-dncp_tender_lots_284745.json": ["Parsed(published) ocds-03ad3f:284745"],
    "ocds/ua-prozorro_tender_cancelled_UA-2016-12-29-000657-c.json": ["Rejected"],
    "ocds/uk-contractsfinder_tender_active_59430.json": [
        "Parsed(published) ocds-b5fd17:2c3698c7-adc8-11e6-9901-0019b9f3037b"
    ],
    "ocds/uk-contractsfinder_tender_unsuccessful_59429.json": [
        "Parsed(published) ocds-b5fd17:2c330cf9-adc8-11e6-9901-0019b9f3037b"
    ],
    # BOAMP
    "boamp/boamp-xml_16-181902_test-pub-2.xml": ["Parsed(published) boamp:16-181902"],
    "boamp/boamp-xml_16-183123_test-attribution-4.xml": ["Skipped"],
    "boamp/boamp-xml_16-186063_test-pub-3.xml": ["Parsed(published) boamp:16-186063"],
    "boamp/boamp-xml_16-186173_test-pub-4.xml": ["Parsed(published) boamp:16-186173"],
    "boamp/boamp-xml_16-186359_test-pub-5.xml": ["Parsed(published) boamp:16-186359"],
    "boamp/boamp-xml_16-186394_test-pub.xml": ["Parsed(published) boamp:16-186394"],
    "boamp/boamp-xml_16-652_test-pub-9.xml": ["Parsed(published) boamp:16-652"],
    "boamp/boamp-xml_17-8864_test-attribution-11.xml": ["Skipped"],
    # TED eForms
    "ted-eforms/sdk-example_can_24_minimal.xml": ["Skipped"],
    "ted-eforms/sdk-example_change-cn_24_open_dates.xml": [
        "Parsed(amended) ted:31f258b6-5eb2-4875-8997-affa3cdce27c"
    ],
    "ted-eforms/sdk-example_change-cn_24_void.xml": [
        "Parsed(cancelled) ted:4805c409-5939-4be9-8abd-837f7a5fee23"
    ],
    "ted-eforms/sdk-example_cn-social_25.xml": [
        "Parsed(published) ted:b6e24d15-bcdf-4275-9399-72cfb2e671c6"
    ],
    "ted-eforms/sdk-example_cn_24_FRA_comments.xml": [
        "Parsed(published) ted:e3cdabf1-e057-47a5-9210-b1f6fc757228"
    ],
    "ted-eforms/sdk-example_cn_24_maximal.xml": [
        "Parsed(published) ted:aff2863e-b4cc-4e91-baba-b3b85f709117"
    ],
    "ted-eforms/sdk-example_cn_81_FRA.xml": [
        "Parsed(published) ted:82c626cc-83e1-4644-9cf1-6ed82b3e3dbc"
    ],
    "ted-eforms/sdk-example_pin-cfc-social_24.xml": [
        "Parsed(published) ted:7a0d92d2-de31-4c7d-9baa-023a9a2db87b"
    ],
    "ted-eforms/sdk-example_pin-rtl_81.xml": ["Skipped"],
    "ted-eforms/ted-real_2024-OJS015-00041387.xml": [
        "Parsed(published) ted:8720c370-2bc2-4afa-a8c6-97fd4287ab59"
    ],
    "ted-eforms/ted-real_2024-OJS017-00047522.xml": [
        "Parsed(published) ted:240d1ad9-b2d8-45ec-bea9-d11e7a75b28e"
    ],
    "ted-eforms/ted-real_2024-OJS052-00152054.xml": [
        "Parsed(published) ted:1f7e7c0f-b317-4725-9707-5dbd8b3ebb1f"
    ],
    "ted-eforms/ted-real_2024-OJS056-00163529.xml": [
        "Parsed(published) ted:db1670b5-a512-40fa-ab34-01795b562228"
    ],
    "ted-eforms/ted-real_2024-OJS074-00219998.xml": [
        "Parsed(published) ted:d15f5eab-a993-47dc-9d68-ba72b196f123"
    ],
    "ted-eforms/ted-real_2024-OJS197-00607986.xml": ["Skipped"],
}


def test_every_corpus_file_gives_outcomes_and_never_raises() -> None:
    files = corpus_files()
    assert len(files) == 39
    for path in files:
        outcomes = parse_document(path.name, path.read_bytes())
        assert outcomes, path.name
        for outcome in outcomes:
            assert isinstance(outcome, Parsed | Skipped | Rejected), path.name
            if not isinstance(outcome, Parsed):
                assert outcome.reason, path.name
                assert outcome.ref.startswith(path.name), outcome.ref


def test_the_expectation_table_covers_exactly_the_corpus() -> None:
    found = {f"{path.parent.name}/{path.name}" for path in corpus_files()}
    assert found == set(EXPECTED)


@pytest.mark.parametrize(("relative", "expected"), sorted(EXPECTED.items()))
def test_each_corpus_file_gives_its_expected_outcomes(relative: str, expected: list[str]) -> None:
    assert [describe(outcome) for outcome in parse(relative)] == expected


def test_parsing_is_deterministic() -> None:
    for path in corpus_files():
        first = parse_document(path.name, path.read_bytes())
        second = parse_document(path.name, path.read_bytes())
        assert first == second, path.name


def test_the_corpus_files_are_the_unedited_copies_named_in_sha256sums() -> None:
    listed: dict[str, str] = {}
    for line in (CORPUS / "SHA256SUMS").read_text(encoding="ascii").splitlines():
        digest, relative = line.split("  ", 1)
        listed[relative] = digest
    found = {f"{path.parent.name}/{path.name}" for path in corpus_files()}
    assert set(listed) == found | {"SOURCES.md"}
    for relative, digest in listed.items():
        assert hashlib.sha256((CORPUS / relative).read_bytes()).hexdigest() == digest, relative
