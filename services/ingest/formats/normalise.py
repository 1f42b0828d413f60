"""Small pure helpers that turn messy source values into what the canonical `Tender` accepts.

Real feeds trim nothing, mix code forms (`" 30000000"`, `"45233130.0"`, `"90910000-9"`), name
languages in four ways (`English`, `EN`, `FRA`, `fre`) and give deadlines with or without a time
or an offset. Each helper here takes anything and returns a clean value or `None`, never raises,
so adapters can try sources in order and keep the first usable one.

Time rules (the same for every format):
- a date-time with an offset (or `Z`) is taken as given;
- a naive date-time is read in the buyer's time zone (see `places`);
- a date without a time is, for a deadline, the last second of that day (23:59:59) in the
  buyer's zone — an alert must never close earlier than the buyer meant — and, for a
  publication date, the first second of that day.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import HttpUrl, TypeAdapter, ValidationError

from shared.events import (
    CONTROL_CHARACTERS_IN_LONG_TEXT,
    ISO_639_1,
    Classification,
    CodeScheme,
    Money,
    code_problem,
)
from shared.text import fold

T = TypeVar("T")
DateOnly = Literal["start", "end"]

# --- text -----------------------------------------------------------------------------------

# What the API refuses in text: C0 controls but tab and newlines, DEL, C1, lone surrogates.
_CONTROL = CONTROL_CHARACTERS_IN_LONG_TEXT
_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
_BREAK = re.compile(r"<\s*(?:br\s*/?|/p|/div|/li)\s*>", re.IGNORECASE)


def clean_text(value: object) -> str | None:
    """A trimmed string with unified newlines and no control characters, or None if empty."""
    if not isinstance(value, str):
        return None
    text = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    return text or None


def printable(text: str) -> str:
    """A feed's text without the control characters the API refuses (tabs and newlines
    stay): the notice is kept, the stray characters are dropped."""
    return _CONTROL.sub("", text)


def one_line(value: object) -> str | None:
    """Titles and names: every run of whitespace, newlines included, becomes one space."""
    text = clean_text(value)
    return " ".join(text.split()) if text else None


def strip_markup(text: str) -> str:
    """Some publishers put HTML in descriptions (`<p>Addendum 1</p>`); people get plain text."""
    if not _TAG.search(text):
        return text
    plain = html.unescape(_TAG.sub("", _BREAK.sub("\n", text)))
    return clean_text(plain) or ""


def truncate(text: str, limit: int) -> str:
    """Fit a model limit without rejecting the notice; an ellipsis shows the cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def clean_id(value: object) -> str | None:
    """Identifiers come as strings or integers (`"id": 1`); booleans are not identifiers."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return one_line(value)


def safe_source_id(raw: str) -> str | None:
    """`source_id` forbids whitespace and `#` (the match id separator): percent-encode them, so
    the id stays deterministic and reversible; None if it is still too long for the model."""
    encoded = "".join(
        f"%{ord(char):02X}" if char.isspace() or char == "#" else char for char in raw
    )
    return encoded if 0 < len(encoded) <= 120 else None


def unique(items: Iterable[T]) -> list[T]:
    """Keep the first of each value, in order: sources repeat codes across items and lots."""
    seen: list[T] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


# --- languages ------------------------------------------------------------------------------

# Withdrawn ISO codes still met in feeds; `md` (Moldova's country code, seen as a language in
# MTender data) means Romanian, the official language of Moldova.
_LANGUAGE_ALIASES = {"md": "ro", "mo": "ro", "iw": "he", "in": "id", "ji": "yi", "jw": "jv"}
# ISO 639-2, bibliographic and terminological forms (eForms uses the latter, e.g. `FRA`).
_ISO_639_2 = {
    "bul": "bg", "ces": "cs", "cze": "cs", "dan": "da", "deu": "de", "ger": "de", "ell": "el",
    "gre": "el", "eng": "en", "est": "et", "fin": "fi", "fra": "fr", "fre": "fr", "gle": "ga",
    "hrv": "hr", "hun": "hu", "ita": "it", "lav": "lv", "lit": "lt", "mlt": "mt", "nld": "nl",
    "dut": "nl", "pol": "pl", "por": "pt", "ron": "ro", "rum": "ro", "mol": "ro", "slk": "sk",
    "slo": "sk", "slv": "sl", "spa": "es", "swe": "sv", "nor": "no", "nob": "nb", "nno": "nn",
    "isl": "is", "ice": "is", "ukr": "uk", "rus": "ru", "cat": "ca", "eus": "eu", "baq": "eu",
    "glg": "gl", "sqi": "sq", "alb": "sq", "mkd": "mk", "mac": "mk", "srp": "sr", "bos": "bs",
    "tur": "tr", "ara": "ar", "zho": "zh", "chi": "zh", "jpn": "ja", "ltz": "lb", "cym": "cy",
    "wel": "cy", "gla": "gd", "heb": "he", "hin": "hi", "kor": "ko", "vie": "vi", "tha": "th",
    "ind": "id", "msa": "ms", "may": "ms", "fas": "fa", "per": "fa", "hye": "hy", "arm": "hy",
    "kat": "ka", "geo": "ka", "aze": "az", "kaz": "kk", "bel": "be", "que": "qu", "grn": "gn",
    "iku": "iu", "cre": "cr", "oci": "oc", "bre": "br", "cos": "co", "fry": "fy",
}  # fmt: skip
_LANGUAGE_NAMES = {
    "english": "en", "anglais": "en", "ingles": "en", "french": "fr", "francais": "fr",
    "frances": "fr", "spanish": "es", "espanol": "es", "espagnol": "es", "castellano": "es",
    "german": "de", "deutsch": "de", "allemand": "de", "dutch": "nl", "nederlands": "nl",
    "flemish": "nl", "neerlandais": "nl", "italian": "it", "italiano": "it", "italien": "it",
    "portuguese": "pt", "portugues": "pt", "portugais": "pt", "romanian": "ro", "romana": "ro",
    "moldovan": "ro", "ukrainian": "uk", "russian": "ru", "polish": "pl", "polski": "pl",
    "greek": "el", "swedish": "sv", "danish": "da", "finnish": "fi", "czech": "cs",
    "slovak": "sk", "hungarian": "hu", "bulgarian": "bg", "croatian": "hr", "slovenian": "sl",
    "estonian": "et", "latvian": "lv", "lithuanian": "lt", "maltese": "mt", "irish": "ga",
    "catalan": "ca", "basque": "eu", "galician": "gl", "inuktitut": "iu", "cree": "cr",
}  # fmt: skip
_LANGUAGE_TAG = re.compile(r"^([a-z]{2,3})(?:[-_][a-z0-9]{1,8})*$")


def normalise_language(raw: object) -> str | None:
    """ISO 639-1 (`en`, `fr`) from `en-GB`, `EN`, `FRA`, `fre`, `English`, `Français`..."""
    text = one_line(raw)
    if text is None:
        return None
    folded = fold(text)
    tag = _LANGUAGE_TAG.match(folded)
    if tag:
        code = tag.group(1)
        code = _LANGUAGE_ALIASES.get(code, code)
        if len(code) == 3:
            return _ISO_639_2.get(code)
        return code if code in ISO_639_1 else None
    return _LANGUAGE_NAMES.get(folded)


# --- classification codes -------------------------------------------------------------------

_SCHEMES = {
    "cpv": CodeScheme.CPV,
    "cpv2008": CodeScheme.CPV,
    "unspsc": CodeScheme.UNSPSC,
    "gsin": CodeScheme.GSIN,
    "naics": CodeScheme.NAICS,
}
_FLOAT_ARTEFACT = re.compile(r"^(\d+)\.0+$")  # `45233130.0`: a code that went through a float


def code_scheme(raw: object) -> CodeScheme | None:
    """The schemes Vigie matches on; any other scheme (CPVS, national catalogues) is None."""
    text = one_line(raw)
    if text is None:
        return None
    return _SCHEMES.get(re.sub(r"[\s_-]", "", text.casefold()))


def normalise_code(scheme: CodeScheme, raw: object) -> str | None:
    """`" 30000000"` → `30000000`, `45233130.0` → `45233130`; None if not a code of `scheme`
    (see `shared.events.code_problem`): the notice keeps its other codes."""
    text = clean_id(raw)
    if text is None:
        return None
    compact = re.sub(r"\s+", "", text).upper()
    artefact = _FLOAT_ARTEFACT.match(compact)
    if artefact:
        compact = artefact.group(1)
    # The matcher drops a CPV check digit itself, so both `90910000` and `90910000-9` are kept.
    return None if code_problem(scheme, compact) else compact


def classification(
    scheme: object, code: object, description: object = None
) -> Classification | None:
    """A canonical classification, or None when the scheme is not ours or the code is bad."""
    known = code_scheme(scheme)
    if known is None:
        return None
    value = normalise_code(known, code)
    if value is None:
        return None
    label = one_line(description)
    try:
        return Classification(
            scheme=known, code=value, description=truncate(label, 500) if label else None
        )
    except ValidationError:
        return None


# --- dates ----------------------------------------------------------------------------------

_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(Z|[+-]\d{2}:?\d{2})?$")
_TIME = re.compile(r"^(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?$")
_END_OF_DAY = time(23, 59, 59)


def zone(name: str) -> tzinfo:
    """The IANA zone, or UTC if the name is unknown (callers only pass names from our tables)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _offset(text: str | None) -> tzinfo | None:
    if not text:
        return None
    if text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def _date_only(day: date, offset: tzinfo | None, zone_name: str, mode: DateOnly) -> datetime:
    moment = _END_OF_DAY if mode == "end" else time(0)
    return datetime.combine(day, moment, offset or zone(zone_name))


def parse_instant(raw: object, zone_name: str, *, date_only: DateOnly) -> datetime | None:
    """An aware date-time from ISO 8601 text (see the module docstring for the rules)."""
    text = one_line(raw)
    if text is None:
        return None
    try:
        day = _DATE.match(text)
        if day:
            return _date_only(
                date.fromisoformat(day.group(1)), _offset(day.group(2)), zone_name, date_only
            )
        value = datetime.fromisoformat(text[:-1] + "Z" if text.endswith("z") else text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=zone(zone_name))


def combine_date_time(
    day_raw: object, time_raw: object, zone_name: str, *, date_only: DateOnly
) -> datetime | None:
    """eForms and UBL split a moment in two (`2024-02-28+02:00` and `12:00:00+02:00`)."""
    day_text, time_text = one_line(day_raw), one_line(time_raw)
    day = _DATE.match(day_text) if day_text else None
    if day is None:
        return None
    try:
        on = date.fromisoformat(day.group(1))
        at = _TIME.match(time_text) if time_text else None
        if at is None:
            return _date_only(on, _offset(day.group(2)), zone_name, date_only)
        offset = _offset(at.group(2)) or _offset(day.group(2)) or zone(zone_name)
        return datetime.combine(on, time.fromisoformat(at.group(1)), offset)
    except ValueError:
        return None


# --- money ----------------------------------------------------------------------------------

_CENT = Decimal("0.01")


def parse_amount(raw: object) -> Decimal | None:
    """A finite amount from a number or text such as `1 000 000,00` or `1,000,000.00`."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, Decimal):
        return raw if raw.is_finite() else None
    if isinstance(raw, int | float):
        text = str(raw)
    else:
        cleaned = one_line(raw)
        if cleaned is None:
            return None
        text = re.sub(r"[\s\u00a0\u202f']", "", cleaned)
        if "," in text and "." in text:
            text = text.replace(",", "")
        elif "," in text:
            text = text.replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def money(amount: object, currency: object) -> Money | None:
    """Amount and currency travel together; either missing or invalid means no value at all."""
    value = parse_amount(amount)
    code = one_line(currency)
    if value is None or value < 0 or code is None or not re.fullmatch(r"[A-Za-z]{3}", code):
        return None
    try:
        return Money(amount=value.quantize(_CENT, rounding=ROUND_HALF_UP), currency=code.upper())
    except (ValidationError, InvalidOperation):
        return None


def total(values: Sequence[Money | None]) -> Money | None:
    """The sum of lot values when every lot has one and they share a currency, else None."""
    if not values or any(value is None for value in values):
        return None
    present = [value for value in values if value is not None]
    currencies = {value.currency for value in present}
    if len(currencies) != 1:
        return None
    return money(sum((value.amount for value in present), Decimal(0)), currencies.pop())


# --- links ----------------------------------------------------------------------------------

_HTTP_URL: TypeAdapter[HttpUrl] = TypeAdapter(HttpUrl)


def http_url(raw: object) -> str | None:
    """A link people can open: http(s) only, validated the way the model will validate it."""
    text = one_line(raw)
    if text is None or not re.match(r"(?i)^https?://", text):
        return None
    try:
        _HTTP_URL.validate_python(text)
    except ValidationError:
        return None
    return text
