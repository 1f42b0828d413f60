"""Human-readable reasons, in the enterprise's language (French or English)."""

from __future__ import annotations

from shared.events import MatchReason

_TEXTS: dict[str, dict[str, str]] = {
    "code": {
        "fr": "Le code {scheme} {code} fait partie de votre profil {prefix}",
        "en": "{scheme} {code} is under your {prefix} profile",
    },
    "territory": {
        "fr": "{place} est dans votre territoire ({area})",
        "en": "{place} is in your service area ({area})",
    },
    "unknown_location": {
        "fr": "Le lieu d'exécution n'est pas précisé et votre profil accepte ces appels",
        "en": "No place of performance is given and your profile accepts such tenders",
    },
    "reserved": {
        "fr": "Réservé aux entreprises d'économie sociale",
        "en": "Reserved for social-economy enterprises",
    },
    "reserved_sheltered": {
        "fr": "Réservé aux entreprises adaptées et ateliers protégés",
        "en": "Reserved for sheltered workshops",
    },
    "reserved_insertion": {
        "fr": "Réservé aux structures d'insertion",
        "en": "Reserved for work-integration enterprises",
    },
}


def reason(key: str, language: str, /, **params: str) -> MatchReason:
    texts = _TEXTS[key]
    template = texts.get(language, texts["en"])
    return MatchReason(code=key, text=template.format(**params))
