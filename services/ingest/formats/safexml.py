"""XML parsing that refuses document type declarations, since feeds are untrusted input.

`defusedxml` is not a dependency, so the standard library parser is guarded here. No notice
format Vigie reads (BOAMP, eForms) needs a DTD, and a DTD is what entity-expansion attacks
(billion laughs, quadratic blow-up, external entities) require. So a document is refused when:
- its bytes contain `<!DOCTYPE` or `<!ENTITY` (any case), the clear and cheap check; and
- expat reports a doctype or entity declaration while scanning, which also catches encodings
  (UTF-16...) where the byte check cannot see the text.
Only then is the tree built with `xml.etree.ElementTree`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import NoReturn
from xml.parsers import expat

_DECLARATION = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)


class XmlRefused(ValueError):
    """The document is not XML we are willing to read; the message is the reason."""


def _refuse(*_: object) -> NoReturn:
    raise XmlRefused(
        "XML with a DOCTYPE or ENTITY declaration is refused (entity expansion is not allowed)"
    )


def _scan(data: bytes) -> None:
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        reason = expat.ErrorString(error.code) if error.code else str(error)
        raise XmlRefused(
            f"malformed XML: {reason} at line {error.lineno}, column {error.offset}"
        ) from error
    except LookupError as error:  # the declaration names an encoding Python does not know
        raise XmlRefused(f"malformed XML: {error}") from error


def parse_xml(data: bytes) -> ET.Element:
    """The root element of a DTD-free, well-formed document; raises `XmlRefused` otherwise."""
    if _DECLARATION.search(data):
        _refuse()
    _scan(data)
    try:
        return ET.fromstring(data)  # noqa: S314 - scanned above: no DTD, hence no entities
    except ET.ParseError as error:
        raise XmlRefused(f"malformed XML: {error}") from error
