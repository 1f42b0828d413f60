"""The single entry point of the feed adapters: bytes of a document in, one outcome per notice.

The format is read from the content, not from the name (feeds mislabel files): JSON is OCDS
(a release, release package, record or record package), XML is a BOAMP notice (`<ANNONCE>`)
or an eForms notice (UBL `ContractNotice`, `PriorInformationNotice`, `ContractAwardNotice`).
`parse_document` never raises: whatever goes wrong becomes a `Rejected` with the reason, so a
poller can log it, count it and move on to the next document.
"""

from __future__ import annotations

import json

from ingest.formats import boamp, eforms, ocds
from ingest.formats.outcomes import Outcome, Rejected
from ingest.formats.safexml import XmlRefused, parse_xml

_BLANK = b" \t\r\n"
_UTF8_BOM = b"\xef\xbb\xbf"


def parse_document(name: str, data: bytes) -> list[Outcome]:
    """Every notice of the document as Parsed, Skipped or Rejected; at least one outcome."""
    try:
        outcomes = _parse(name, data)
    except Exception as error:  # any surprise in a notice must not stop a feed
        return [Rejected(f"could not read the document: {type(error).__name__}: {error}", name)]
    return outcomes or [Rejected("the document holds no notice", name)]


def _parse(name: str, data: bytes) -> list[Outcome]:
    if not isinstance(data, bytes | bytearray):
        return [Rejected(f"expected bytes, got {type(data).__name__}", name)]
    head = bytes(data).removeprefix(_UTF8_BOM).lstrip(_BLANK)[:1]
    if not head:
        return [Rejected("empty document", name)]
    if head in (b"{", b"["):
        return _json(name, bytes(data))
    if head == b"<":
        return _xml(name, bytes(data))
    return [Rejected("neither JSON nor XML: the document does not start with {, [ or <", name)]


def _json(name: str, data: bytes) -> list[Outcome]:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        return [Rejected(f"JSON is not valid UTF-8: {error.reason} at byte {error.start}", name)]
    except json.JSONDecodeError as error:
        return [
            Rejected(
                f"invalid JSON: {error.msg} at line {error.lineno}, column {error.colno}", name
            )
        ]
    return ocds.parse_json(name, document)


def _xml(name: str, data: bytes) -> list[Outcome]:
    try:
        root = parse_xml(data)
    except XmlRefused as error:
        return [Rejected(str(error), name)]
    if boamp.is_boamp(root):
        return boamp.parse(name, root)
    if eforms.is_eforms(root):
        return eforms.parse(name, root)
    return [
        Rejected(
            f"XML root <{root.tag}> is neither a BOAMP notice (ANNONCE) nor an eForms notice",
            name,
        )
    ]
