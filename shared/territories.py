"""Territory reference data shipped with Vigie, and the ancestors of a territory code.

Codes are upper-case and self-describing:
- `CA`, `CA-QC` (province), `CA-QC-RA-16` (administrative region, Québec's official number),
  `CA-QC-AGG-LONGUEUIL` (agglomeration), `CA-QC-MUN-58227` (municipality, its geographic code);
- `FR`, `FR-REG-53` (region, INSEE code), `FR-DEP-35` (department), `FR-COM-35238` (commune,
  INSEE code), and NUTS codes (`FRH03`) as eForms gives them.
This first cut covers the Longueuil agglomeration and Montréal, all 17 Québec regions, and
Rennes with its department and region; the full reference set comes with the matcher work.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Territory:
    code: str
    name: str
    parent: str | None


QUEBEC_REGIONS = {
    "01": "Bas-Saint-Laurent",
    "02": "Saguenay–Lac-Saint-Jean",
    "03": "Capitale-Nationale",
    "04": "Mauricie",
    "05": "Estrie",
    "06": "Montréal",
    "07": "Outaouais",
    "08": "Abitibi-Témiscamingue",
    "09": "Côte-Nord",
    "10": "Nord-du-Québec",
    "11": "Gaspésie–Îles-de-la-Madeleine",
    "12": "Chaudière-Appalaches",
    "13": "Laval",
    "14": "Lanaudière",
    "15": "Laurentides",
    "16": "Montérégie",
    "17": "Centre-du-Québec",
}

_LONGUEUIL_AGGLOMERATION = {
    "58227": "Longueuil",
    "58033": "Boucherville",
    "58007": "Brossard",
    "58012": "Saint-Lambert",
    "58037": "Saint-Bruno-de-Montarville",
}


def _reference() -> dict[str, Territory]:
    items = [
        Territory("CA", "Canada", None),
        Territory("CA-QC", "Québec", "CA"),
        Territory("FR", "France", None),
    ]
    items += [Territory(f"CA-QC-RA-{num}", name, "CA-QC") for num, name in QUEBEC_REGIONS.items()]
    items.append(Territory("CA-QC-AGG-LONGUEUIL", "Agglomération de Longueuil", "CA-QC-RA-16"))
    items += [
        Territory(f"CA-QC-MUN-{code}", name, "CA-QC-AGG-LONGUEUIL")
        for code, name in _LONGUEUIL_AGGLOMERATION.items()
    ]
    items.append(Territory("CA-QC-AGG-MONTREAL", "Agglomération de Montréal", "CA-QC-RA-06"))
    items.append(Territory("CA-QC-MUN-66023", "Montréal", "CA-QC-AGG-MONTREAL"))
    items += [
        Territory("FR-REG-53", "Bretagne", "FR"),
        Territory("FR-DEP-35", "Ille-et-Vilaine", "FR-REG-53"),
        Territory("FR-DEP-29", "Finistère", "FR-REG-53"),
        Territory("FR-COM-35238", "Rennes", "FR-DEP-35"),
        Territory("FR-COM-29019", "Brest", "FR-DEP-29"),
        Territory("FR-DEP-22", "Côtes-d'Armor", "FR-REG-53"),
        Territory("FR-DEP-56", "Morbihan", "FR-REG-53"),
    ]
    # eForms gives NUTS codes (BT-5071): in France a NUTS 3 region is a department, so each
    # code sits inside the department it names and is found by profiles on it or above.
    items += [
        Territory("FRH01", "Côtes-d'Armor (NUTS 3)", "FR-DEP-22"),
        Territory("FRH02", "Finistère (NUTS 3)", "FR-DEP-29"),
        Territory("FRH03", "Ille-et-Vilaine (NUTS 3)", "FR-DEP-35"),
        Territory("FRH04", "Morbihan (NUTS 3)", "FR-DEP-56"),
        Territory("FRH0", "Bretagne (NUTS 2)", "FR-REG-53"),
        Territory("FRH", "Ouest (NUTS 1)", "FR"),
    ]
    return {item.code: item for item in items}


REFERENCE: dict[str, Territory] = _reference()


def ancestors_and_self(code: str) -> list[str]:
    """The code and every territory containing it, nearest first."""
    chain: list[str] = []
    current: str | None = code
    while current is not None and current not in chain:
        chain.append(current)
        known = REFERENCE.get(current)
        current = known.parent if known else None
    return chain


def expand(codes: Iterable[str]) -> set[str]:
    return {ancestor for code in codes for ancestor in ancestors_and_self(code)}


def name_of(code: str) -> str:
    known = REFERENCE.get(code)
    return known.name if known else code
