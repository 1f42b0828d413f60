"""An alert profile as the editor's form shows it and sends it back. Pure: no I/O.

The form round-trips the whole draft (chosen codes and territories as ticked checkboxes), so a
search that reloads the page without JavaScript loses nothing typed. `read_draft` reads the
fields; `check` turns a draft into an `AlertProfile` or says, field by field and in the reader's
language, what is wrong: every mistake at once, each shown beside its field.

Fields: `name`; `code` (repeated, `CPV:9091`); `territory` (repeated, `CA-QC-RA-16`);
`include_unknown_location`; `keywords_any`, `keywords_all`, `keywords_none` (comma-separated);
`currency`, `value_min`, `value_max`; `category` (repeated); `reserved_only`; `channel`
(repeated); `cadence`. Checkboxes are present ("on") when ticked, as HTML forms send them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from notifier.pickers import code_prefix_problem, parse_code_value
from notifier.portal_text import PORTAL_TEXT
from shared.enterprises import AlertProfile, Cadence
from shared.events import Category, Channel
from shared.languages import written_language
from shared.territories import is_known

CURRENCIES = ("CAD", "EUR")
MAX_CODES = 50
MAX_TERRITORIES = 50
_KEYWORD_LIMITS = {"any": 50, "all": 20, "none": 50}  # as shared.enterprises.Keywords allows
MAX_NAME = 100

Fields = Mapping[str, Sequence[str]]
# The fields that can be in error, in the page's order (the error summary follows it).
FIELD_ORDER = (
    "name", "codes", "keywords_any", "keywords_all", "keywords_none", "territories",
    "value_min", "value_max", "currency", "categories", "channels", "cadence",
)  # fmt: skip


@dataclass
class Draft:
    """What the form holds, valid or not: strings as typed, choices as values."""

    name: str = ""
    codes: list[str] = field(default_factory=list)
    territories: list[str] = field(default_factory=list)
    include_unknown_location: bool = False
    keywords: dict[str, str] = field(default_factory=lambda: dict.fromkeys(_KEYWORD_LIMITS, ""))
    currency: str = "CAD"
    value_min: str = ""
    value_max: str = ""
    categories: list[str] = field(default_factory=list)
    reserved_only: bool = False
    channels: list[str] = field(default_factory=lambda: [c.value for c in Channel])
    cadence: str = ""


@dataclass(frozen=True)
class Checked:
    profile: AlertProfile | None  # None when `errors` is not empty
    errors: dict[str, str]  # field → message, in the reader's language


def _unique(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in values if v.strip()))


def _amount(value: Decimal | None) -> str:
    return "" if value is None else format(value.normalize(), "f")


def draft_of(profile: AlertProfile) -> Draft:
    """The form of a stored profile."""
    bounds = profile.value_range
    return Draft(
        name=profile.name,
        codes=[f"{c.scheme}:{c.prefix}" for c in profile.codes],
        territories=list(profile.territories),
        include_unknown_location=profile.include_unknown_location,
        keywords={
            "any": ", ".join(profile.keywords.any),
            "all": ", ".join(profile.keywords.all),
            "none": ", ".join(profile.keywords.none),
        },
        currency=bounds.currency if bounds else "CAD",
        value_min=_amount(bounds.min if bounds else None),
        value_max=_amount(bounds.max if bounds else None),
        categories=[str(c) for c in profile.categories],
        reserved_only=profile.reserved_only,
        channels=[str(c) for c in profile.channels]
        if profile.channels is not None
        else [c.value for c in Channel],
        cadence=str(profile.cadence or ""),
    )


def read_draft(form: Fields) -> Draft:
    def one(name: str) -> str:
        values = form.get(name, ())
        return values[0].strip() if values else ""

    return Draft(
        name=one("name"),
        codes=_unique(form.get("code", ())),
        territories=_unique(form.get("territory", ())),
        include_unknown_location=one("include_unknown_location") == "on",
        keywords={kind: one(f"keywords_{kind}") for kind in _KEYWORD_LIMITS},
        currency=one("currency") or "CAD",
        value_min=one("value_min"),
        value_max=one("value_max"),
        categories=_unique(form.get("category", ())),
        reserved_only=one("reserved_only") == "on",
        channels=_unique(form.get("channel", ())),
        cadence=one("cadence"),
    )


def keyword_list(text: str) -> list[str]:
    """`entretien ménager, conciergerie` → two keywords (commas or semicolons separate)."""
    return [word for word in (w.strip() for w in re.split(r"[,;\n]", text)) if word]


def parse_amount(text: str) -> Decimal | None:
    """`150 000,50`, `150,000.50` or `150000.5` → 150000.50 (None if empty; ValueError if not an
    amount): a comma or point followed by one or two final digits is the decimal separator,
    any other is a thousands separator, whatever the reader's language."""
    cleaned = re.sub(r"[\s\u00a0\u202f$€]", "", text)
    if not cleaned:
        return None
    whole, separator, cents = re.match(r"^(.*?)(?:([.,])(\d{1,2}))?$", cleaned).groups()  # type: ignore[union-attr]
    digits = re.sub(r"[.,]", "", whole) + (f".{cents}" if separator else "")
    try:
        amount = Decimal(digits)
    except InvalidOperation as exc:
        raise ValueError(text) from exc
    if not amount.is_finite() or amount < 0:
        raise ValueError(text)
    return amount.quantize(Decimal("0.01"))


class _Checker:
    def __init__(self, draft: Draft, language: str, channels: Sequence[str]) -> None:
        self.draft, self.channels = draft, channels
        self.t = PORTAL_TEXT[written_language(language)]
        self.language = language
        self.errors: dict[str, str] = {}

    def fail(self, name: str, key: str, **params: Any) -> None:
        self.errors.setdefault(name, self.t[key].format(**params))

    def codes(self) -> list[dict[str, str]]:
        found = []
        for value in self.draft.codes:
            parsed = parse_code_value(value)
            if parsed is None:
                self.fail("codes", "error_code_form", code=value)
            elif code_prefix_problem(*parsed) is not None:
                self.fail("codes", "error_code", code=parsed[1], scheme=parsed[0].value)
            else:
                found.append({"scheme": parsed[0].value, "prefix": parsed[1]})
        if len(found) > MAX_CODES:
            self.fail("codes", "error_too_many_codes", max=MAX_CODES)
        return found

    def territories(self) -> list[str]:
        for code in self.draft.territories:
            if not is_known(code):
                self.fail("territories", "error_territory", code=code)
        if len(self.draft.territories) > MAX_TERRITORIES:
            self.fail("territories", "error_too_many_territories", max=MAX_TERRITORIES)
        return self.draft.territories

    def keywords(self) -> dict[str, list[str]]:
        found = {}
        for kind, limit in _KEYWORD_LIMITS.items():
            words = keyword_list(self.draft.keywords.get(kind, ""))
            for word in words:
                if not 2 <= len(word) <= 80:
                    self.fail(f"keywords_{kind}", "error_keyword", word=word[:40])
            if len(words) > limit:
                self.fail(f"keywords_{kind}", "error_too_many_keywords", max=limit)
            found[kind] = words
        return found

    def value_range(self) -> dict[str, Any] | None:
        bounds: dict[str, Decimal | None] = {}
        for name in ("value_min", "value_max"):
            try:
                bounds[name] = parse_amount(getattr(self.draft, name))
            except ValueError:
                self.fail(name, "error_amount")
                bounds[name] = None
        low, high = bounds["value_min"], bounds["value_max"]
        if low is not None and high is not None and low > high:
            self.fail("value_min", "error_range")
        if low is None and high is None:
            return None
        if self.draft.currency not in CURRENCIES:
            self.fail("currency", "error_currency")
        return {"currency": self.draft.currency, "min": low, "max": high}

    def delivery(self) -> tuple[list[str] | None, str | None]:
        categories = {c.value for c in Category}
        if any(c not in categories for c in self.draft.categories):
            self.fail("categories", "error_category")
        chosen = [c for c in self.draft.channels if c in self.channels]
        if not chosen or any(c not in self.channels for c in self.draft.channels):
            self.fail("channels", "error_channels")
        cadence = self.draft.cadence
        if cadence and cadence not in {c.value for c in Cadence}:
            self.fail("cadence", "error_cadence")
        # Every channel the enterprise can get ticked means "whatever it consents to" (None).
        return (None if set(chosen) == set(self.channels) else chosen), (cadence or None)


def check(
    draft: Draft, profile_id: str, language: str, channels: Sequence[str] = ("email", "sms")
) -> Checked:
    """The profile the draft describes, or every field's error. `channels`: those the
    enterprise can be reached on (a profile may narrow them, not add one)."""
    checker = _Checker(draft, language, channels)
    if len(draft.name) > MAX_NAME:
        checker.fail("name", "error_name")
    codes = checker.codes()
    territories = checker.territories()
    keywords = checker.keywords()
    value_range = checker.value_range()
    chosen_channels, cadence = checker.delivery()
    if not codes and not (keywords["any"] or keywords["all"]) and "codes" not in checker.errors:
        checker.fail("codes", "error_needs_codes_or_words")
    if checker.errors:
        in_page_order = sorted(checker.errors, key=FIELD_ORDER.index)
        return Checked(None, {name: checker.errors[name] for name in in_page_order})
    profile = AlertProfile.model_validate(
        {
            "id": profile_id,
            "name": draft.name,
            "codes": codes,
            "keywords": keywords,
            "value_range": value_range,
            "categories": draft.categories,
            "reserved_only": draft.reserved_only,
            "territories": territories,
            "include_unknown_location": draft.include_unknown_location,
            "channels": chosen_channels,
            "cadence": cadence,
        }
    )
    return Checked(profile, {})
