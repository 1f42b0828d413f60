"""SMS text: E.164 numbers, GSM-7 or UCS-2 encoding, segment count, an alert in two segments.

Pure. A message is GSM-7 when every character is in the GSM 03.38 default alphabet or its
extension table (the latter cost two septets each); otherwise the whole message goes as UCS-2.
One segment holds 160 septets or 70 UTF-16 units; a concatenated message loses room to its
header: 153 septets or 67 units per segment. French is the trap: é è à ù are GSM-7, but
ê â î ô ç (lower-case ç: only Ç is in the alphabet) turn the whole text into UCS-2.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
MAX_SEGMENTS = 2


class Encoding(StrEnum):
    GSM7 = "GSM-7"
    UCS2 = "UCS-2"


@dataclass(frozen=True)
class Segmentation:
    encoding: Encoding
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int


class InvalidNumber(ValueError):
    """Not a phone number that can receive a text: a permanent failure."""


def to_e164(raw: str) -> str:
    try:
        number = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException as exc:
        raise InvalidNumber(f"not a phone number: {exc}") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidNumber("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_gsm7(text: str) -> bool:
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def segmentation(text: str) -> Segmentation:
    if is_gsm7(text):
        units = sum(2 if char in GSM7_EXTENSION else 1 for char in text)
        single, multi, encoding = 160, 153, Encoding.GSM7
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, Encoding.UCS2
    segments = 1 if units <= single else -(-units // multi)
    return Segmentation(encoding, units, segments)


def fit(build: Callable[[str], str], title: str, max_segments: int = MAX_SEGMENTS) -> str:
    """The text with as much of the title as fits in `max_segments`."""
    text = build(title)
    if segmentation(text).segments <= max_segments:
        return text
    low, high = 0, len(title)  # longest prefix that fits, by bisection
    while low < high:
        middle = (low + high + 1) // 2
        if segmentation(build(_shorten(title, middle))).segments <= max_segments:
            low = middle
        else:
            high = middle - 1
    return build(_shorten(title, low))


def _shorten(title: str, length: int) -> str:
    return title[:length].rstrip() + "..."  # "…" is not GSM-7: it would cost the encoding
