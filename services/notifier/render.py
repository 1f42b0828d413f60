"""Rendering an alert email in the enterprise's language. Pure: no I/O beyond its templates.

Every email has a plain-text and an HTML part from the same data, the CASL sender block and
the enterprise's own preference and unsubscribe links.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from notifier.alert_links import AlertLinks
from notifier.links import Links
from notifier.sms_text import fit
from notifier.templating import TEMPLATES
from shared.events import MatchEvent, MatchKind, Money
from shared.languages import written_language

_SUBJECT = {
    "fr": {
        "new": "{title} — date limite {deadline}",
        "amended": "Modifié : {title} — date limite {deadline}",
        "cancelled": "Annulé : {title}",
        "reminder": "Rappel : {title} — date limite {deadline}",
        "digest": "Vigie : {count} appel(s) d'offres pour vous",
    },
    "en": {
        "new": "{title} — deadline {deadline}",
        "amended": "Amended: {title} — deadline {deadline}",
        "cancelled": "Cancelled: {title}",
        "reminder": "Reminder: {title} — deadline {deadline}",
        "digest": "Vigie: {count} call(s) for tenders for you",
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
    html: str
    links: Links | None


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


def alert_context(
    match: MatchEvent, timezone: str, language: str, actions: AlertLinks | None = None
) -> dict[str, Any]:
    """What both parts of an alert show, already formatted for the language. `actions`: the
    alert's signed answer and documents links (None in previews: the raw documents URL)."""
    return {
        "actions": actions,
        "kind": MatchKind(match.kind).value,
        "tender": match.tender,
        "deadline": format_deadline(match, timezone, language),
        "reasons": match.reasons,
        "value": format_money(match.tender.estimated_value, language),
        "reserved": ", ".join(_RESERVED[language][str(r)] for r in match.tender.reserved_for),
    }


def render_alert(
    match: MatchEvent,
    timezone: str,
    sender: Sender,
    links: Links | None = None,
    *,
    reminder: bool = False,
    actions: AlertLinks | None = None,
) -> RenderedEmail:
    """`links` is None only for previews: the notifier always sends its signed links."""
    language = written_language(match.language)
    context = alert_context(match, timezone, language, actions)
    if reminder:
        context["kind"] = "reminder"
    subject = _SUBJECT[language][context["kind"]].format(
        title=match.tender.title, deadline=context["deadline"]
    )
    return render_email("alert", language, subject, sender, links, context)


def render_digest(
    matches: list[MatchEvent],
    language: str,
    timezone: str,
    sender: Sender,
    links: Links,
    actions_for: Callable[[MatchEvent], AlertLinks] | None = None,
) -> RenderedEmail:
    """One email listing every match since the last digest, soonest deadline first."""
    language = written_language(language)
    ordered = sorted(matches, key=lambda m: m.tender.submission_deadline)
    items = [
        alert_context(match, timezone, language, actions_for(match) if actions_for else None)
        for match in ordered
    ]
    subject = _SUBJECT[language]["digest"].format(count=len(items))
    return render_email("digest", language, subject, sender, links, {"items": items})


def render_email(
    template: str,
    language: str,
    subject: str,
    sender: Sender,
    links: Links | None,
    context: dict[str, Any],
) -> RenderedEmail:
    """Both parts of one email from `{template}.{language}.{txt,html}.j2`."""
    full = {**context, "sender": sender, "links": links, "subject": subject, "lang": language}
    text = TEMPLATES.get_template(f"{template}.{language}.txt.j2").render(full)
    html = TEMPLATES.get_template(f"{template}.{language}.html.j2").render(full)
    return RenderedEmail(subject=subject, text=text, html=html, links=links)


def render_sms(match: MatchEvent, timezone: str, link: str, *, reminder: bool = False) -> str:
    """Title, deadline and a link, in at most two segments: the title gives way if need be."""
    language = written_language(match.language)
    template = TEMPLATES.get_template(f"sms.{language}.txt.j2")
    deadline = format_deadline(match, timezone, language)
    kind = "reminder" if reminder else MatchKind(match.kind).value

    def build(title: str) -> str:
        return template.render(kind=kind, title=title, deadline=deadline, link=link).strip()

    return fit(build, match.tender.title)


def render_sms_digest(count: int, language: str, link: str) -> str:
    template = TEMPLATES.get_template(f"sms_digest.{written_language(language)}.txt.j2")
    return template.render(count=count, link=link).strip()
