"""Bad and hostile input: every document gives at least one outcome, a Rejected with a reason
when it cannot be read, and nothing ever raises or expands entities.

The parser catches every exception and turns it into a rejection (`ingest.formats.outcomes.
guarded`, `ingest.formats.detect.parse_document`), so "never raises" alone would let a crash
pass. The fuzz tests hold each reason to what was wrong with the document instead: one of the
problems the parser knows how to name, never an exception that escaped it.
"""

from __future__ import annotations

import builtins
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.formats import Outcome, Rejected, parse_document
from shared.events import Tender
from tests.unit.formats.corpus import corpus_files

# How the parser's catch-alls word an exception it did not expect: a crash, not a reason.
CRASH = re.compile(r"^(?:unexpected \w+ while reading|could not read the document)")
EXCEPTION_NAMES = frozenset(
    {
        name
        for name, value in vars(builtins).items()
        if isinstance(value, type) and issubclass(value, BaseException)
    }
    | {"ValidationError", "ParseError", "ExpatError", "XmlRefused", "JSONDecodeError"}
)
# Every problem with a document that the parser names (ingest/formats: detect, safexml, ocds,
# boamp, eforms, draft). A new kind of rejection must be added here on purpose.
DOCUMENT_PROBLEMS = re.compile(
    r"""^(?:
        empty\ document
      | neither\ JSON\ nor\ XML
      | JSON\ is\ not\ valid\ UTF-8:
      | invalid\ JSON:
      | JSON\ is\ not\ OCDS:
      | malformed\ XML:
      | XML\ with\ a\ DOCTYPE\ or\ ENTITY\ declaration
      | XML\ root\ <.+>\ is\ neither
      | the\ document\ holds\ no\ notice
      | \d+\ release\(s\)\ are\ not\ JSON\ objects
      | record\ is\ not\ a\ JSON\ object
      | record\ has\ neither\ a\ compiled\ release\ nor\ embedded\ releases
      | release\ has\ no\ ocid
      | ocid\ .+\ (?:has\ no\ OCDS\ prefix|does\ not\ give\ a\ usable\ id)
      | missing\ required\ field\(s\):\ (?P<missing>.+)
      | not\ a\ valid\ tender:\ (?P<invalid>.+)
      | BOAMP\ notice\ without\ IDWEB
      | unknown\ BOAMP\ STATUT
      | unusable\ notice\ number
      | unknown\ eForms\ notice\ type
      | notice\ has\ neither\ a\ procedure\ identifier
    )""",
    re.VERBOSE | re.DOTALL,
)
TENDER_FIELDS = frozenset(Tender.model_fields) | {"tender", "uid"}

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


def assert_says_what_is_wrong(outcome: Outcome) -> None:
    """A rejection names the document's problem (and the field, for an invalid tender); a
    reason that reports an exception means the parser crashed on this document."""
    if not isinstance(outcome, Rejected):
        return
    reason = outcome.reason
    assert not CRASH.match(reason), f"the parser crashed: {reason}"
    named = EXCEPTION_NAMES.intersection(re.findall(r"\w+", reason))
    assert not named, f"the reason reports an exception ({', '.join(sorted(named))}): {reason}"
    problem = DOCUMENT_PROBLEMS.match(reason)
    assert problem, f"not a problem the parser names: {reason}"
    if problem["missing"]:
        assert re.match(r"[a-z_.]+ \(", problem["missing"]), reason
    if problem["invalid"]:
        field = re.split(r"[.:]", problem["invalid"], maxsplit=1)[0]
        assert field in TENDER_FIELDS, f"names no field of a tender ({field!r}): {reason}"


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
        (b'<?xml version="1.0" encoding="U-TF-8"?><ANNONCE/>', "malformed XML: unknown encoding"),
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
def test_damaged_corpus_files_are_rejected_for_what_is_wrong_with_them(data: st.DataObject) -> None:
    files = corpus_files()
    original = data.draw(st.sampled_from(files)).read_bytes()
    start = data.draw(st.integers(0, len(original)))
    junk = data.draw(st.binary(max_size=16))
    cut = data.draw(st.integers(start, len(original)))
    damaged = original[:start] + junk + original[cut:]
    outcomes = parse_document("damaged", damaged)
    assert outcomes
    for outcome in outcomes:
        assert_says_what_is_wrong(outcome)


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
def test_arbitrary_ocds_shaped_json_is_rejected_for_what_is_wrong_with_it(
    document: object,
) -> None:
    outcomes = parse_document("fuzz.json", json.dumps(document).encode())
    assert outcomes
    for outcome in outcomes:
        assert_says_what_is_wrong(outcome)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


def _paths(value: object, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Every place in a JSON document where a value sits."""
    found = [path] if path else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*path, index))
    return found


def _replaced(document: object, path: tuple[str | int, ...], new: object) -> object:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(document, dict):
        return {**document, str(head): _replaced(document[head], rest, new)}
    assert isinstance(document, list)
    assert isinstance(head, int)
    return [
        _replaced(item, rest, new) if index == head else item for index, item in enumerate(document)
    ]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_corpus_json_with_any_value_replaced_is_rejected_for_what_is_wrong_with_it(
    data: st.DataObject,
) -> None:
    """A real release whose one field holds something unexpected (a number for a list, an object
    for a date...) reaches the field readers, where a crash would hide behind `guarded`."""
    files = [path for path in corpus_files() if path.suffix == ".json"]
    document = json.loads(data.draw(st.sampled_from(files)).read_bytes())
    path = data.draw(st.sampled_from(_paths(document)))
    damaged = _replaced(document, path, data.draw(JSON_VALUES))
    outcomes = parse_document("replaced.json", json.dumps(damaged).encode())
    assert outcomes
    for outcome in outcomes:
        assert_says_what_is_wrong(outcome)


@pytest.mark.parametrize(
    "reason",
    [
        "unexpected TypeError while reading: 'int' object is not iterable",
        "could not read the document: RecursionError: maximum recursion depth exceeded",
        "missing required field(s): KeyError('title')",
        "not a valid tender: 'NoneType' object has no attribute 'get'",
        "'list' object has no attribute 'get'",
    ],
)
def test_a_crash_is_not_a_reason(reason: str) -> None:
    with pytest.raises(AssertionError):
        assert_says_what_is_wrong(Rejected(reason, "x"))


@pytest.mark.parametrize(
    "reason",
    [
        "missing required field(s): title (looked in tender.title, title)",
        "not a valid tender: language: String should match pattern '^[a-z]{2}$'",
        "not a valid tender: buyer.name: String should have at least 1 character",
        "release has no ocid",
        "malformed XML: unclosed token at line 3, column 2",
    ],
)
def test_a_named_problem_is_a_reason(reason: str) -> None:
    assert_says_what_is_wrong(Rejected(reason, "x"))
