"""What the profile editor's code and territory pickers offer. Pure: reference data only.

A choice is what a form sends back (`value`) and what a person reads (`label`): `CPV:9091`,
« 90910000 — Services de nettoyage »; `CA-QC-AGG-LONGUEUIL`, « Agglomération de Longueuil ».
Results are bounded (`limit`, at most `MAX_RESULTS`) so a one-letter query costs no more than a
page of results.

Code lists: CPV is searched by label, French and English (`shared.cpv`), NAICS by its English
titles (`shared.naics`; no French ones can be had). No list of UNSPSC or GSIN labels can be
shipped (see docs/code-lists.md), so those codes are accepted as typed, checked for their form
(`code_prefix_problem`), and shown without a label.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from shared import cpv, naics
from shared.events import NAICS_SECTORS, CodeScheme
from shared.label_search import label_words, matches, query_words
from shared.languages import written_language
from shared.territories import REFERENCE, Territory

MAX_RESULTS = 30


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str
    detail: str = ""  # what tells namesakes apart: a territory's kind and region
    lang: str = ""  # the label's language where it is not the page's (NAICS: English only)


# --- codes -------------------------------------------------------------------------------------


def code_value(scheme: CodeScheme | str, prefix: str) -> str:
    return f"{CodeScheme(scheme).value}:{prefix}"


def parse_code_value(value: str) -> tuple[CodeScheme, str] | None:
    """`CPV:9091` → (CPV, `9091`); None for anything a picker could not have sent."""
    scheme, _, prefix = value.partition(":")
    if scheme not in CodeScheme.__members__ or not prefix:
        return None
    return CodeScheme(scheme), prefix


def code_prefix_problem(scheme: CodeScheme, prefix: str) -> str | None:
    """What makes `prefix` cover no code of `scheme` (in English, for logs and tests; the page
    says it in the reader's language), or None."""
    if not (prefix.isascii() and prefix.isdigit()):
        return "digits only"
    if scheme is CodeScheme.CPV:
        if len(prefix) > 8 or not cpv.search(prefix, limit=1):
            return "no CPV code begins with these digits"
        return None
    if scheme is CodeScheme.UNSPSC:
        if len(prefix) > 10 or (len(prefix) >= 2 and not 10 <= int(prefix[:2]) <= 95):
            return "no UNSPSC segment begins with these digits (segments are 10 to 95)"
        return None
    if scheme is CodeScheme.NAICS:
        if len(prefix) > 6 or (len(prefix) >= 2 and prefix[:2] not in NAICS_SECTORS):
            return "no NAICS sector begins with these digits"
        return None
    return None if len(prefix) <= 20 else "too long"


def code_label(scheme: CodeScheme | str, prefix: str, language: str) -> str:
    """The label of the code a prefix stands for (`9091` → « Services de nettoyage »), if the
    list has one: a CPV prefix stands for the code it is padded to."""
    if scheme == CodeScheme.CPV and prefix.isdigit() and len(prefix) <= 8:
        item = cpv.lookup(prefix.ljust(8, "0"))
        return item.label(language) if item else ""
    if scheme == CodeScheme.NAICS:
        return naics.title(prefix) or ""
    return ""


def code_choice(scheme: CodeScheme | str, prefix: str, language: str) -> Choice:
    """`scheme` as a stored profile holds it (a string) or as an enum."""
    scheme = CodeScheme(scheme)
    label = code_label(scheme, prefix, language)
    shown = prefix.ljust(8, "0") if scheme is CodeScheme.CPV else prefix
    text = f"{scheme.value} {shown} — {label}" if label else f"{scheme.value} {shown}"
    foreign = scheme is CodeScheme.NAICS and label and language != "en"
    return Choice(code_value(scheme, prefix), text, lang="en" if foreign else "")


def search_codes(
    query: str, language: str, scheme: CodeScheme | None = None, limit: int = 10
) -> list[Choice]:
    """CPV codes whose label or digits fit `query`; and, for digits, the typed code itself in
    the other schemes (or in `scheme` alone), which have no labels to search."""
    limit = max(0, min(limit, MAX_RESULTS))
    text = query.strip()
    typed: list[Choice] = []
    digits = text.replace(" ", "")
    if digits.isdigit():
        for other in (CodeScheme.UNSPSC, CodeScheme.GSIN):
            if scheme in (None, other) and code_prefix_problem(other, digits) is None:
                typed.append(code_choice(other, digits, language))
    industries: list[Choice] = []
    if scheme in (None, CodeScheme.NAICS):
        # A few NAICS titles beside the CPV labels (a notice in Québec or France rarely carries
        # NAICS), or all the room when NAICS alone is asked.
        room = limit if scheme is CodeScheme.NAICS else min(3, limit)
        found = naics.search(text, room)
        industries = [code_choice(CodeScheme.NAICS, code, language) for code, _ in found]
    labelled: list[Choice] = []
    if scheme in (None, CodeScheme.CPV):
        items = cpv.search(text, language, max(0, limit - len(typed) - len(industries)))
        labelled = [code_choice(CodeScheme.CPV, item.prefix, language) for item in items]
    labelled += industries
    return (labelled + typed)[:limit]


# --- territories -------------------------------------------------------------------------------

# Which territories a person picks, broadest first; NUTS codes are left out (each French one is
# the twin of a region or department shown instead), as are former communes and Paris, Lyon and
# Marseille's arrondissements (both hang on a commune).
_KINDS = (
    ("CA-QC-RA-", "region_qc"),
    ("FR-REG-", "region_fr"),
    ("FR-DEP-", "department"),
    ("CA-QC-AGG-", "agglomeration"),
    ("CA-QC-MRC-", "mrc"),
    ("FR-EPCI-", "epci"),
    ("CA-QC-MUN-", "municipality"),
    ("FR-COM-", "commune"),
)
_RANK = {kind: rank for rank, (_, kind) in enumerate(_KINDS)}
_WHOLE = {"CA-QC": "province", "FR": "country"}

KIND_NAMES = {
    "fr": {
        "province": "Province",
        "country": "Pays",
        "region_qc": "Région administrative",
        "region_fr": "Région",
        "department": "Département",
        "agglomeration": "Agglomération",
        "mrc": "MRC",
        "epci": "Intercommunalité",
        "municipality": "Municipalité",
        "commune": "Commune",
    },
    "en": {
        "province": "Province",
        "country": "Country",
        "region_qc": "Administrative region",
        "region_fr": "Region",
        "department": "Department",
        "agglomeration": "Agglomeration",
        "mrc": "Regional county municipality",
        "epci": "Intermunicipality",
        "municipality": "Municipality",
        "commune": "Commune",
    },
}


def territory_kind(territory: Territory) -> str | None:
    """The kind a person picks it as, or None for a code the picker leaves out."""
    if territory.code in _WHOLE:
        return _WHOLE[territory.code]
    kind = next((k for prefix, k in _KINDS if territory.code.startswith(prefix)), None)
    if kind == "commune" and not any(p.startswith("FR-DEP-") for p in territory.parents):
        return None  # a former commune or an arrondissement: it hangs on a commune
    return kind


@dataclass(frozen=True, slots=True)
class _Place:
    territory: Territory
    kind: str
    words: tuple[str, ...]


@lru_cache(maxsize=1)
def _places() -> tuple[_Place, ...]:
    """Every pickable territory with its folded name, built on the first search (~40,000)."""
    places = []
    for territory in REFERENCE.values():
        kind = territory_kind(territory)
        if kind is not None and territory.name:
            places.append(_Place(territory, kind, label_words(territory.name)))
    return tuple(places)


def _region_of(territory: Territory) -> str:
    """The region or department that tells namesakes apart (`Saint-Lambert` × 2)."""
    for code in territory.parents:
        parent = REFERENCE.get(code)
        if parent is None:
            continue
        if code.startswith(("CA-QC-RA-", "FR-DEP-", "FR-REG-")):
            return parent.name
        if code.startswith(("CA-QC-MRC-", "CA-QC-AGG-", "FR-EPCI-")):
            return _region_of(parent)
    return ""


def territory_choice(code: str, language: str) -> Choice:
    territory = REFERENCE.get(code)
    if territory is None:
        return Choice(code, code)
    kind = territory_kind(territory)
    kind_name = KIND_NAMES[written_language(language)].get(kind or "", "")
    region = _region_of(territory)
    detail = ", ".join(part for part in (kind_name, region) if part)
    return Choice(code, territory.name or code, detail)


def search_territories(query: str, language: str, limit: int = 10) -> list[Choice]:
    """Territories whose name has every word of `query` as a word's beginning: exact names
    first, then broad kinds before narrow ones, then by name."""
    words = query_words(query)
    if not words:
        return []
    whole = "".join(label_words(query))
    found = [place for place in _places() if matches(words, place.words)]
    found.sort(
        key=lambda p: (
            "".join(p.words) != whole,
            _RANK.get(p.kind, -1),
            len(p.words),
            p.territory.name,
        )
    )
    limit = max(0, min(limit, MAX_RESULTS))
    return [territory_choice(place.territory.code, language) for place in found[:limit]]
