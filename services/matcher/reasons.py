"""Human-readable reasons, in the enterprise's language (French or English).

A language Vigie does not write falls back by `shared.languages.written_language`.
"""

from __future__ import annotations

from shared.events import MatchReason
from shared.languages import written_language

_TEXTS: dict[str, dict[str, str]] = {
    "code": {
        "fr": "Le code {scheme} {code} fait partie de votre profil {prefix}",
        "en": "{scheme} {code} is under your {prefix} profile",
    },
    "territory": {
        "fr": "{place} est dans votre territoire ({area})",
        "en": "{place} is in your service area ({area})",
    },
    "keyword": {
        "fr": "L'avis parle de {words}",
        "en": "The notice mentions {words}",
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
    template = _TEXTS[key][written_language(language)]
    return MatchReason(code=key, text=template.format(**params))


_FIELD_NAMES: dict[str, dict[str, str]] = {
    "fr": {
        "submission_deadline": "date limite",
        "estimated_value": "valeur estimée",
        "documents_url": "documents",
        "title": "titre",
        "description": "description",
        "lots": "lots",
        "classifications": "codes",
        "place_of_performance": "lieu",
        "reserved_for": "réservation",
        "status": "statut",
    },
    "en": {
        "submission_deadline": "deadline",
        "estimated_value": "estimated value",
        "documents_url": "documents",
        "title": "title",
        "description": "description",
        "lots": "lots",
        "classifications": "codes",
        "place_of_performance": "place",
        "reserved_for": "reservation",
        "status": "status",
    },
}
_CHANGED = {"fr": "Modifié : {fields}", "en": "Changed: {fields}"}


def changes_reason(changed_fields: list[str], language: str) -> MatchReason:
    """What an amendment changed, in words: "Modifié : date limite, valeur estimée"."""
    language = written_language(language)
    names = _FIELD_NAMES[language]
    fields = ", ".join(names.get(field, field.replace("_", " ")) for field in changed_fields)
    return MatchReason(code="changed", text=_CHANGED[language].format(fields=fields))
