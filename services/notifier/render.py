"""Rendering an alert email in the enterprise's language. Pure: no I/O beyond its templates."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined

from shared.events import MatchEvent, MatchKind, Money

_ENV = Environment(
    loader=PackageLoader("notifier", "templates"),
    undefined=StrictUndefined,
    autoescape=False,  # noqa: S701 - plain-text templates; the HTML part escapes on its own
    keep_trailing_newline=True,
)

_SUBJECT = {
    "fr": {
        "new": "{title} — date limite {deadline}",
        "amended": "Modifié : {title} — date limite {deadline}",
        "cancelled": "Annulé : {title}",
    },
    "en": {
        "new": "{title} — deadline {deadline}",
        "amended": "Amended: {title} — deadline {deadline}",
        "cancelled": "Cancelled: {title}",
    },
}
_RESERVED = {
    "fr": {
        "social_economy": "économie sociale",
        "sheltered": "entreprises adaptées",
        "insertion": "insertion",
    },
    "en": {
        "social_economy": "social economy",
        "sheltered": "sheltered workshops",
        "insertion": "work integration",
    },
}


@dataclass(frozen=True)
class Sender:
    name: str
    address: str
    postal_address: str
    contact: str


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str


def format_deadline(match: MatchEvent, timezone: str, language: str) -> str:
    local = match.tender.submission_deadline.astimezone(ZoneInfo(timezone))
    if language == "fr":
        return local.strftime("%Y-%m-%d %H h %M (%Z)")
    return local.strftime("%Y-%m-%d %H:%M (%Z)")


def format_money(money: Money | None, language: str) -> str:
    if money is None:
        return ""
    whole = f"{money.amount:,.2f}"
    if language == "fr":
        return whole.replace(",", "\u202f").replace(".", ",") + f" {money.currency}"
    return f"{money.currency} {whole}"


def render_alert(match: MatchEvent, timezone: str, sender: Sender) -> RenderedEmail:
    language = match.language if match.language in _SUBJECT else "en"
    deadline = format_deadline(match, timezone, language)
    kind = MatchKind(match.kind).value
    subject = _SUBJECT[language][kind].format(title=match.tender.title, deadline=deadline)
    reserved = ", ".join(_RESERVED[language][str(item)] for item in match.tender.reserved_for)
    text = _ENV.get_template(f"alert.{language}.txt.j2").render(
        kind=kind,
        tender=match.tender,
        deadline=deadline,
        reasons=match.reasons,
        value=format_money(match.tender.estimated_value, language),
        reserved=reserved,
        sender=sender,
    )
    return RenderedEmail(subject=subject, text=text)
