"""Bad and hostile input: every document gives at least one outcome, a Rejected with a reason
when it cannot be read, and nothing ever raises or expands entities."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.formats import Rejected, parse_document
from tests.unit.formats.corpus import corpus_files

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<ANNONCE><GESTION><REFERENCE><IDWEB>&lol4;</IDWEB></REFERENCE></GESTION></ANNONCE>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!doctype ANNONCE [<!entity xxe SYSTEM "file:///etc/passwd">]>
<ANNONCE><GESTION><REFERENCE><IDWEB>&xxe;</IDWEB></REFERENCE></GESTION></ANNONCE>"""


def rejected(data: bytes) -> Rejected:
    outcomes = parse_document("hostile", data)
    assert len(outcomes) == 1, outcomes
    outcome = outcomes[0]
    assert isinstance(outcome, Rejected), outcome
    assert outcome.ref == "hostile"
    return outcome


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty document"),
        (b" \n\t ", "empty document"),
        (b"\xef\xbb\xbf", "empty document"),
        (b"hello", "neither JSON nor XML"),
        (b"\x00\x01\x02\xff", "neither JSON nor XML"),
        (b"null", "neither JSON nor XML"),
        (b'{"ocid": "ocds-abc123-1", ', "invalid JSON"),
        (b"{'single': 'quotes'}", "invalid JSON"),
        (b'{"ocid": "\xff\xfe"}', "not valid UTF-8"),
        (b'{"name": "not a tender"}', "JSON is not OCDS"),
        (b"[]", "holds no notice"),
        (b'{"releases": []}', "holds no notice"),
        (b"[1, 2]", "not JSON objects"),
        (b"<html><body>Not found</body></html>", "neither a BOAMP notice"),
        (b"<ANNONCE><GESTION><REFERENCE>", "malformed XML"),
        (BILLION_LAUGHS, "DOCTYPE or ENTITY"),
        (EXTERNAL_ENTITY, "DOCTYPE or ENTITY"),
    ],
)
def test_unreadable_documents_are_rejected_with_the_reason(data: bytes, reason: str) -> None:
    assert reason in rejected(data).reason


def test_a_dtd_in_utf16_is_refused_too() -> None:
    data = ('<?xml version="1.0" encoding="UTF-16"?>' + BILLION_LAUGHS.decode()[22:]).encode(
        "utf-16"
    )
    assert rejected(data).reason


def test_deeply_nested_json_is_rejected_not_raised() -> None:
    assert rejected(b"[" * 100_000).reason


def test_truncated_corpus_xml_is_rejected_as_malformed() -> None:
    for path in corpus_files():
        if path.suffix == ".xml":
            data = path.read_bytes()
            assert "malformed XML" in rejected(data[: len(data) // 2]).reason, path.name


def test_truncated_corpus_json_is_rejected_as_invalid() -> None:
    for path in corpus_files():
        if path.suffix == ".json":
            data = path.read_bytes()
            assert "invalid JSON" in rejected(data[: len(data) // 2]).reason, path.name


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_damaged_corpus_files_never_raise(data: st.DataObject) -> None:
    files = corpus_files()
    original = data.draw(st.sampled_from(files)).read_bytes()
    start = data.draw(st.integers(0, len(original)))
    junk = data.draw(st.binary(max_size=16))
    cut = data.draw(st.integers(start, len(original)))
    damaged = original[:start] + junk + original[cut:]
    outcomes = parse_document("damaged", damaged)
    assert outcomes
    for outcome in outcomes:
        if isinstance(outcome, Rejected):
            assert outcome.reason


@settings(max_examples=100, deadline=None)
@given(
    document=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
        lambda children: st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["ocid", "tag", "tender", "buyer", "title", "tenderPeriod", "endDate", "items",
                 "lots", "value", "amount", "currency", "releases", "records", "language",
                 "classification", "scheme", "id", "parties", "sustainability"]
            ),
            children,
            max_size=6,
        ),
        max_leaves=30,
    )
)  # fmt: skip
def test_arbitrary_ocds_shaped_json_never_raises(document: object) -> None:
    import json

    outcomes = parse_document("fuzz.json", json.dumps(document).encode())
    assert outcomes
