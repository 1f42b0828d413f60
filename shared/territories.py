"""Territory reference data shipped with Vigie, and the ancestors of a territory code.

Codes are upper-case and self-describing:
- `CA`, `CA-QC` (province), `CA-QC-RA-16` (administrative region, Québec's official number),
  `CA-QC-AGG-LONGUEUIL` (agglomeration), `CA-QC-MUN-58227` (municipality, its geographic code);
- `FR`, `FR-REG-53` (region, INSEE code), `FR-DEP-35` (department), `FR-COM-35238` (commune,
  INSEE code), and NUTS codes (`FRH03`) as eForms gives them.
Covered: the Longueuil agglomeration and Montréal, all 17 Québec regions; every French region
and department (INSEE codes), Rennes and Brest, and Bretagne's NUTS codes. Still missing: the
other communes of Rennes Métropole and the NUTS codes of the other French regions.
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

FRENCH_REGIONS = {
    "11": "Île-de-France",
    "24": "Centre-Val de Loire",
    "27": "Bourgogne-Franche-Comté",
    "28": "Normandie",
    "32": "Hauts-de-France",
    "44": "Grand Est",
    "52": "Pays de la Loire",
    "53": "Bretagne",
    "75": "Nouvelle-Aquitaine",
    "76": "Occitanie",
    "84": "Auvergne-Rhône-Alpes",
    "93": "Provence-Alpes-Côte d'Azur",
    "94": "Corse",
    "01": "Guadeloupe",
    "02": "Martinique",
    "03": "Guyane",
    "04": "La Réunion",
    "06": "Mayotte",
}

# Department (INSEE code) → (name, region INSEE code).
FRENCH_DEPARTMENTS = {
    "01": ("Ain", "84"),
    "02": ("Aisne", "32"),
    "03": ("Allier", "84"),
    "04": ("Alpes-de-Haute-Provence", "93"),
    "05": ("Hautes-Alpes", "93"),
    "06": ("Alpes-Maritimes", "93"),
    "07": ("Ardèche", "84"),
    "08": ("Ardennes", "44"),
    "09": ("Ariège", "76"),
    "10": ("Aube", "44"),
    "11": ("Aude", "76"),
    "12": ("Aveyron", "76"),
    "13": ("Bouches-du-Rhône", "93"),
    "14": ("Calvados", "28"),
    "15": ("Cantal", "84"),
    "16": ("Charente", "75"),
    "17": ("Charente-Maritime", "75"),
    "18": ("Cher", "24"),
    "19": ("Corrèze", "75"),
    "2A": ("Corse-du-Sud", "94"),
    "2B": ("Haute-Corse", "94"),
    "21": ("Côte-d'Or", "27"),
    "22": ("Côtes-d'Armor", "53"),
    "23": ("Creuse", "75"),
    "24": ("Dordogne", "75"),
    "25": ("Doubs", "27"),
    "26": ("Drôme", "84"),
    "27": ("Eure", "28"),
    "28": ("Eure-et-Loir", "24"),
    "29": ("Finistère", "53"),
    "30": ("Gard", "76"),
    "31": ("Haute-Garonne", "76"),
    "32": ("Gers", "76"),
    "33": ("Gironde", "75"),
    "34": ("Hérault", "76"),
    "35": ("Ille-et-Vilaine", "53"),
    "36": ("Indre", "24"),
    "37": ("Indre-et-Loire", "24"),
    "38": ("Isère", "84"),
    "39": ("Jura", "27"),
    "40": ("Landes", "75"),
    "41": ("Loir-et-Cher", "24"),
    "42": ("Loire", "84"),
    "43": ("Haute-Loire", "84"),
    "44": ("Loire-Atlantique", "52"),
    "45": ("Loiret", "24"),
    "46": ("Lot", "76"),
    "47": ("Lot-et-Garonne", "75"),
    "48": ("Lozère", "76"),
    "49": ("Maine-et-Loire", "52"),
    "50": ("Manche", "28"),
    "51": ("Marne", "44"),
    "52": ("Haute-Marne", "44"),
    "53": ("Mayenne", "52"),
    "54": ("Meurthe-et-Moselle", "44"),
    "55": ("Meuse", "44"),
    "56": ("Morbihan", "53"),
    "57": ("Moselle", "44"),
    "58": ("Nièvre", "27"),
    "59": ("Nord", "32"),
    "60": ("Oise", "32"),
    "61": ("Orne", "28"),
    "62": ("Pas-de-Calais", "32"),
    "63": ("Puy-de-Dôme", "84"),
    "64": ("Pyrénées-Atlantiques", "75"),
    "65": ("Hautes-Pyrénées", "76"),
    "66": ("Pyrénées-Orientales", "76"),
    "67": ("Bas-Rhin", "44"),
    "68": ("Haut-Rhin", "44"),
    "69": ("Rhône", "84"),
    "70": ("Haute-Saône", "27"),
    "71": ("Saône-et-Loire", "27"),
    "72": ("Sarthe", "52"),
    "73": ("Savoie", "84"),
    "74": ("Haute-Savoie", "84"),
    "75": ("Paris", "11"),
    "76": ("Seine-Maritime", "28"),
    "77": ("Seine-et-Marne", "11"),
    "78": ("Yvelines", "11"),
    "79": ("Deux-Sèvres", "75"),
    "80": ("Somme", "32"),
    "81": ("Tarn", "76"),
    "82": ("Tarn-et-Garonne", "76"),
    "83": ("Var", "93"),
    "84": ("Vaucluse", "93"),
    "85": ("Vendée", "52"),
    "86": ("Vienne", "75"),
    "87": ("Haute-Vienne", "75"),
    "88": ("Vosges", "44"),
    "89": ("Yonne", "27"),
    "90": ("Territoire de Belfort", "27"),
    "91": ("Essonne", "11"),
    "92": ("Hauts-de-Seine", "11"),
    "93": ("Seine-Saint-Denis", "11"),
    "94": ("Val-de-Marne", "11"),
    "95": ("Val-d'Oise", "11"),
    "971": ("Guadeloupe", "01"),
    "972": ("Martinique", "02"),
    "973": ("Guyane", "03"),
    "974": ("La Réunion", "04"),
    "976": ("Mayotte", "06"),
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
    items += [Territory(f"FR-REG-{code}", name, "FR") for code, name in FRENCH_REGIONS.items()]
    items += [
        Territory(f"FR-DEP-{code}", name, f"FR-REG-{region}")
        for code, (name, region) in FRENCH_DEPARTMENTS.items()
    ]
    items += [
        Territory("FR-COM-35238", "Rennes", "FR-DEP-35"),
        Territory("FR-COM-29019", "Brest", "FR-DEP-29"),
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
