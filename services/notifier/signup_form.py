"""The public sign-up form, read and checked. Pure: no I/O, no clock (the caller says when).

Every problem is reported against the field it concerns, as a code the page words in the
reader's language (`signup_text`), so the page can tie each message to its input.

Identifiers:

- SIRET (France): 14 digits whose Luhn key holds (INSEE). La Poste is the documented exception:
  since it became a société anonyme all its establishments share the SIREN 356000000, and their
  SIRETs are valid when the sum of their 14 digits is a multiple of 5 (only the head office,
  35600000000048, also passes Luhn).
- NEQ (Québec): the Registraire des entreprises gives ten digits. No check digit or prefix rule
  is published, so only the form is checked here; an operator checks the number against the
  Registraire's public register before verifying the enterprise.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import available_timezones

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from shared.enterprises import SocialEconomyKind
from shared.languages import SUPPORTED

LA_POSTE_SIREN = "356000000"
# Offered in the form; any IANA zone is accepted if sent.
TIMEZONES = (
    "America/Toronto",
    "America/Halifax",
    "America/Moncton",
    "Europe/Paris",
    "America/Martinique",
    "America/Guadeloupe",
    "America/Cayenne",
    "Indian/Reunion",
    "Indian/Mayotte",
    "Pacific/Noumea",
)
MAX_KEYWORDS = 20
_SEPARATORS = re.compile(r"[\s.\-]")
_HONEYPOT = "website"
# The form's order, which its error summary follows.
FIELDS = (
    *("name", "kind", "neq", "siret", "keywords", "email", "phone", "language", "timezone"),
    *("consent_email", "consent_sms", "buyer_contact"),
)


def luhn_holds(digits: str) -> bool:
    """The Luhn key: from the right, every second digit doubled (minus 9 above 9); sum % 10 == 0."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def siret_is_valid(siret: str) -> bool:
    if not (len(siret) == 14 and siret.isascii() and siret.isdigit()):
        return False
    if luhn_holds(siret):
        return True
    return siret.startswith(LA_POSTE_SIREN) and sum(int(c) for c in siret) % 5 == 0


def neq_is_valid(neq: str) -> bool:
    return len(neq) == 10 and neq.isascii() and neq.isdigit()


def _digits(raw: str) -> str:
    """An identifier as people write it (spaces, dots, hyphens between groups) reduced to digits."""
    return _SEPARATORS.sub("", raw)


def enterprise_id_for(email: str) -> str:
    """The id of an enterprise that signed itself up: derived from its address, so that finding
    out whether the address is taken is one `_id` read."""
    return "su-" + hashlib.sha256(email.encode()).hexdigest()[:24]


@dataclass(frozen=True)
class SignupRequest:
    name: str
    kind: SocialEconomyKind
    neq: str | None
    siret: str | None
    language: str
    timezone: str
    email: str
    phone: str | None
    sms: bool
    buyer_contact: bool
    keywords: tuple[str, ...]

    @property
    def enterprise_id(self) -> str:
        return enterprise_id_for(self.email)


@dataclass
class SignupErrors(Exception):
    """Field name → error code, in the form's order."""

    fields: dict[str, str] = field(default_factory=dict)


def is_bot(form: Mapping[str, str]) -> bool:
    """The honeypot: a field hidden from people (and from assistive technology) that only a
    robot filling every input fills in."""
    return bool(form.get(_HONEYPOT, "").strip())


def _email(raw: str, errors: dict[str, str]) -> str:
    if not raw:
        errors["email"] = "required"
        return ""
    try:
        checked = validate_email(raw, check_deliverability=False)
    except EmailNotValidError:
        errors["email"] = "email_invalid"
        return ""
    # The domain is case-insensitive; the local part is the provider's, but people do not
    # tell Info@ from info@, and one enterprise must not get two accounts for it.
    return str(checked.normalized).lower()


def _phone(raw: str, timezone: str, errors: dict[str, str]) -> str | None:
    if not raw:
        return None
    region = "FR" if timezone.startswith(("Europe/", "Indian/", "Pacific/")) else "CA"
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        errors["phone"] = "phone_invalid"
        return None
    if not phonenumbers.is_valid_number(number):
        errors["phone"] = "phone_invalid"
        return None
    if phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.FIXED_LINE:
        errors["phone"] = "phone_not_mobile"
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _identifiers(form: Mapping[str, str], errors: dict[str, str]) -> tuple[str | None, str | None]:
    neq = _digits(form.get("neq", "").strip()) or None
    siret = _digits(form.get("siret", "").strip()) or None
    if neq is not None and not neq_is_valid(neq):
        errors["neq"] = "neq_invalid"
    if siret is not None and not siret_is_valid(siret):
        errors["siret"] = "siret_length" if len(siret) != 14 or not siret.isdigit() else "siret_key"
    if neq is None and siret is None:
        errors["neq"] = "identifier_required"
    return neq, siret


def _keywords(raw: str, errors: dict[str, str]) -> tuple[str, ...]:
    words = tuple(dict.fromkeys(w.strip() for w in re.split(r"[,;\n]", raw) if w.strip()))
    if not words:
        errors["keywords"] = "required"
    elif len(words) > MAX_KEYWORDS or any(not 2 <= len(w) <= 80 for w in words):
        errors["keywords"] = "keywords_invalid"
    return words


def _choice(form: Mapping[str, str], name: str, allowed: object, errors: dict[str, str]) -> str:
    value = form.get(name, "").strip()
    if not value:
        errors[name] = "required"
    elif value not in allowed:  # type: ignore[operator]  # any container of str
        errors[name] = "choice_invalid"
    return value


def read_signup(form: Mapping[str, str]) -> SignupRequest:
    """The request the form makes, or `SignupErrors` naming every field that is wrong."""
    errors: dict[str, str] = {}
    name = " ".join(form.get("name", "").split())
    if not name:
        errors["name"] = "required"
    elif len(name) > 200:
        errors["name"] = "too_long"
    kind = _choice(form, "kind", {k.value for k in SocialEconomyKind}, errors)
    neq, siret = _identifiers(form, errors)
    language = _choice(form, "language", SUPPORTED, errors)
    timezone = _choice(form, "timezone", available_timezones(), errors)
    email = _email(form.get("email", "").strip(), errors)
    phone = _phone(form.get("phone", "").strip(), timezone, errors)
    sms = form.get("consent_sms") == "on"
    if sms and phone is None and "phone" not in errors:
        errors["phone"] = "phone_for_sms"
    if form.get("consent_email") != "on":
        errors["consent_email"] = "consent_required"
    keywords = _keywords(form.get("keywords", ""), errors)
    if errors:
        raise SignupErrors({name: errors[name] for name in FIELDS if name in errors})
    return SignupRequest(
        name=name,
        kind=SocialEconomyKind(kind),
        neq=neq,
        siret=siret,
        language=language,
        timezone=timezone,
        email=email,
        phone=phone,
        sms=sms,
        buyer_contact=form.get("buyer_contact") == "on",
        keywords=keywords,
    )


def signup_document(request: SignupRequest, submitted_at: datetime) -> dict[str, object]:
    """The enterprise as the sign-up describes it: pending verification, with the consent the
    form gave (SMS from the form; email only once the address is confirmed, see `confirmed`)."""
    consent: dict[str, object] = {}
    if request.sms:
        consent["sms"] = {"granted": True, "at": submitted_at, "source": "signup-form"}
    document: dict[str, object] = {
        "id": request.enterprise_id,
        "name": request.name,
        "identifiers": {"neq": request.neq, "siret": request.siret},
        "social_economy": {"kind": request.kind.value, "verification": "pending"},
        "contacts": {"email": request.email, "phone": request.phone},
        "language": request.language,
        "timezone": request.timezone,
        "consent": consent,
        "profiles": [{"id": "main", "name": "", "keywords": {"any": list(request.keywords)}}],
    }
    if request.buyer_contact:
        document["buyer_contact"] = {
            "granted": True,
            "at": submitted_at,
            "source": "signup-form",
        }
    return document
