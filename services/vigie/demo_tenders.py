"""The calls for tenders the demo pushes: real kinds of work of the Longueuil agglomeration.

Deadlines are set relative to now, and source ids carry a run stamp, so every run is new.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

_BUYERS = {
    "longueuil": ("Ville de Longueuil", "CA-QC-MUN-58227"),
    "boucherville": ("Ville de Boucherville", "CA-QC-MUN-58033"),
    "brossard": ("City of Brossard", "CA-QC-MUN-58007"),
    "saint-bruno": ("Ville de Saint-Bruno-de-Montarville", "CA-QC-MUN-58037"),
}
DEMO_SOURCES = sorted(_BUYERS)
DEMO_BUYER_IDS = [f"ville-{source}" for source in DEMO_SOURCES]

_TENDERS: list[tuple[str, str, str, str, str, list[str]]] = [
    (
        "longueuil",
        "fr",
        "Entretien ménager des bâtiments municipaux",
        "Entretien ménager de 12 bâtiments municipaux, contrat de trois ans.",
        "76111500",
        ["social_economy"],
    ),
    (
        "boucherville",
        "fr",
        "Aménagement paysager du parc de la Frayère",
        "Plantation, entretien des plates-bandes et tonte, saison 2027.",
        "70111700",
        [],
    ),
    (
        "brossard",
        "en",
        "Printing of the municipal newsletter",
        "Printing and folding of 6 issues of the newsletter, 40,000 copies each.",
        "82121500",
        [],
    ),
    (
        "saint-bruno",
        "fr",
        "Service de traiteur pour les événements municipaux",
        "Repas et collations pour une vingtaine d'événements par année.",
        "90101600",
        [],
    ),
]


def demo_tenders(now: datetime, run_stamp: str) -> list[dict[str, Any]]:
    tenders = []
    for index, (source, language, title, description, code, reserved) in enumerate(_TENDERS, 1):
        buyer, territory = _BUYERS[source]
        tenders.append(
            {
                "source": source,
                "source_id": f"AO-{run_stamp}-{index:02d}",
                "revision": 1,
                "title": title,
                "description": description,
                "language": language,
                "buyer": {"name": buyer, "id": f"ville-{source}", "territories": [territory]},
                "place_of_performance": [territory],
                "classifications": [{"scheme": "UNSPSC", "code": code}],
                "category": "services",
                "estimated_value": {"amount": str(25_000 * index), "currency": "CAD"},
                "procurement_method": "open",
                "reserved_for": reserved,
                "published_at": now.isoformat(),
                "submission_deadline": (now + timedelta(days=21 + index))
                .replace(hour=19, minute=0, second=0, microsecond=0)
                .isoformat(),
                "deadline_timezone": "America/Toronto",
                "documents_url": f"https://seao.example/avis/{source}/{run_stamp}-{index:02d}",
            }
        )
    return tenders
