"""BOAMP (France) XML notices, schema Boamp_v230 (`<ANNONCE>`), to canonical tenders.

Decisions:
- Only calls for tenders (NATURE `APPEL_OFFRE`) become tenders; award notices (`ATTRIBUTION`)
  and any other nature are skipped.
- Kind from STATUT: `INITIAL` → published, `RECTIFICATIF` → amended, `ANNULATION` → cancelled.
  A corrective or cancelling notice has its own number but keeps the uid of the initial notice
  it refers to (`ANNONCE_ANTERIEUR` with STATUT `INITIAL`), with revision = 1 + the number of
  earlier notices it lists; without such a reference it stands under its own number.
- uid `boamp:<IDWEB>`, e.g. `boamp:16-181902`.
- Language: `LANGUES/LANGUE`, else French (BOAMP is France's official bulletin).
- Title: `TITRE_MARCHE`, else the indexing summary `RESUME_OBJET`, else the full object.
- Times: deadlines without an offset and date-only publication dates are read in the buyer's
  department zone (Europe/Paris; overseas departments their own, e.g. 971 America/Guadeloupe).
- Territories: the buyer's commune (its city in that department), the publication department
  (else the buyer's postal code) → `FR-DEP-<code>`,
  plus the buyer's NUTS code; place of performance = `DEP_PRESTATION` departments and the
  NUTS codes inside `OBJET` (never those of the appeal bodies' addresses).
- Lots: only when the notice is divided (`DIV_EN_LOTS/OUI`) or lists several lots; a single
  lot section of an undivided notice lends its codes, places and value to the tender.
- Value: the notice's `VALEUR`, else the sum of the lot values (same currency, all present);
  a `VALEUR` without `DEVISE` is in euros.
- Reserved: `MARCHE_RESERVE_OUI` (sheltered workshops / sheltered employment programmes) →
  sheltered. `PRESTATION_RESERVEE_OUI` reserves a profession (e.g. architects): not social.
- Social clause: a `SOCIAUX` mark under `CRITERES_SOCIAUX_ENV`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # types only; parsing is guarded in safexml
from functools import partial

from ingest.formats import places
from ingest.formats.draft import Draft, finish, make_lot
from ingest.formats.normalise import (
    classification,
    clean_text,
    http_url,
    money,
    normalise_language,
    one_line,
    parse_instant,
    safe_source_id,
    total,
    unique,
)
from ingest.formats.outcomes import Outcome, Rejected, Skipped, guarded
from shared.events import Category, Classification, Lot, Money, ReservedFor, TenderEventKind

_KINDS = {
    "INITIAL": TenderEventKind.PUBLISHED,
    "RECTIFICATIF": TenderEventKind.AMENDED,
    "ANNULATION": TenderEventKind.CANCELLED,
}
_CATEGORIES = {"SERVICE": Category.SERVICES, "TRAVAUX": Category.WORKS,
               "FOURNITURES": Category.GOODS}  # fmt: skip
_PROCEDURES = {
    "OUVERT": "open", "RESTREINT": "restricted", "PROCEDURE_ADAPTE": "adapted",
    "NEGOCIE": "negotiated", "DIALOGUE_COMPETITIF": "competitive-dialogue",
}  # fmt: skip
WHERE = {
    "title": "OBJET/TITRE_MARCHE, INDEXATION/RESUME_OBJET, OBJET/OBJET_COMPLET",
    "language": "CONDITION_RELATIVE_MARCHE/LANGUES",
    "buyer_name": "IDENTITE/DENOMINATION",
    "published_at": "INDEXATION/DATE_PUBLICATION",
    "submission_deadline": "CONDITION_DELAI/RECEPT_OFFRES, INDEXATION/DATE_LIMITE_REPONSE",
}


def is_boamp(root: ET.Element) -> bool:
    return root.tag == "ANNONCE" or root.find("ANNONCE") is not None


def parse(name: str, root: ET.Element) -> list[Outcome]:
    """One outcome per `<ANNONCE>`: the root itself, or each child of a bundle."""
    notices = [root] if root.tag == "ANNONCE" else root.findall("ANNONCE")
    return [guarded(name, partial(_notice, name, notice)) for notice in notices]


# --- element helpers ------------------------------------------------------------------------


def _text(element: ET.Element | None, path: str) -> str | None:
    """All the text under the element at `path` (mixed content included), trimmed."""
    found = element.find(path) if element is not None else None
    return clean_text("".join(found.itertext())) if found is not None else None


def _mark(element: ET.Element | None, path: str) -> str | None:
    """The tag of the first child at `path`: BOAMP states choices as empty elements."""
    found = element.find(path) if element is not None else None
    child = next(iter(found), None) if found is not None else None
    return child.tag if child is not None else None


def _texts(element: ET.Element | None, path: str) -> list[str]:
    if element is None:
        return []
    return [text for found in element.findall(path) if (text := clean_text(found.text))]


# --- one notice -----------------------------------------------------------------------------


def _identity(gestion: ET.Element | None, idweb: str, kind: TenderEventKind) -> tuple[str, int]:
    """The uid's number and a revision: a correction stays under its initial notice."""
    if kind == TenderEventKind.PUBLISHED or gestion is None:
        return idweb, 1
    earlier = gestion.findall(".//ANNONCE_ANTERIEUR")
    initial = next(
        (
            one_line(item.findtext("REFERENCE/IDWEB"))
            for item in earlier
            if item.find("REFERENCE/TYPE_AVIS/STATUT/INITIAL") is not None
        ),
        None,
    )
    return (initial, len(earlier) + 1) if initial else (idweb, 1)


def _notice(name: str, notice: ET.Element) -> Outcome:
    gestion = notice.find("GESTION")
    idweb = one_line(notice.findtext("GESTION/REFERENCE/IDWEB"))
    ref = f"{name}#{idweb}" if idweb else name
    if idweb is None:
        return Rejected("BOAMP notice without IDWEB (notice number)", ref)
    nature = _mark(notice, "GESTION/REFERENCE/TYPE_AVIS/NATURE")
    if nature != "APPEL_OFFRE":
        what = "award notice" if nature == "ATTRIBUTION" else "notice"
        return Skipped(f"BOAMP {what} (NATURE {nature}), not a call for tenders", ref)
    statut = _mark(notice, "GESTION/REFERENCE/TYPE_AVIS/STATUT")
    kind = _KINDS.get(statut or "")
    if kind is None:
        return Rejected(f"unknown BOAMP STATUT {statut!r}", ref)
    number, revision = _identity(gestion, idweb, kind)
    source_id = safe_source_id(number)
    if source_id is None:
        return Rejected(f"unusable notice number {number!r}", ref)
    draft = Draft(source="boamp", source_id=source_id, ref=ref, revision=revision)
    _fill(draft, notice)
    return finish(draft, kind, WHERE)


def _fill(draft: Draft, notice: ET.Element) -> None:
    index = notice.find("GESTION/INDEXATION")
    data = notice.find("DONNEES")
    identity = data.find("IDENTITE") if data is not None else None
    objet = data.find("OBJET") if data is not None else None
    department = places.french_department(_text(index, "DEP_PUBLICATION"), _text(identity, "CP"))
    zone_name = places.department_zone(department)
    draft.deadline_timezone = zone_name
    draft.buyer_name = one_line(_text(identity, "DENOMINATION"))
    draft.buyer_territories = [
        code
        for code in (
            places.french_commune(department, _text(identity, "VILLE")),
            places.department_territory(department) if department else None,
            places.territory(_text(identity, "ADJUDICATEUR_NUTS")),
        )
        if code
    ]
    languages = _texts(data, "CONDITION_RELATIVE_MARCHE/LANGUES/LANGUE")
    draft.language = (
        next((code for raw in languages if (code := normalise_language(raw))), None) or "fr"
    )
    draft.title = (
        one_line(_text(objet, "TITRE_MARCHE"))
        or one_line(_text(index, "RESUME_OBJET"))
        or one_line(_text(objet, "OBJET_COMPLET"))
    )
    draft.description = _text(objet, "OBJET_COMPLET") or _text(
        objet, "CARACTERISTIQUES/PRINCIPALES"
    )
    draft.published_at = parse_instant(
        _text(index, "DATE_PUBLICATION"), zone_name, date_only="start"
    )
    _fill_deadline(draft, data, index, zone_name)
    _fill_object(draft, objet, index)
    _fill_conditions(draft, notice, data, identity)


def _fill_deadline(
    draft: Draft, data: ET.Element | None, index: ET.Element | None, zone_name: str
) -> None:
    for raw in (_text(data, "CONDITION_DELAI/RECEPT_OFFRES"), _text(index, "DATE_LIMITE_REPONSE")):
        draft.submission_deadline = parse_instant(raw, zone_name, date_only="end")
        if draft.submission_deadline:
            return
        if raw:
            draft.problems["submission_deadline"] = f"unreadable deadline {raw!r}"


def _codes(element: ET.Element | None) -> list[Classification]:
    """Every CPV code (principal and supplementary) directly under the element."""
    if element is None:
        return []
    found = (classification("CPV", code.text) for cpv in element.findall("CPV") for code in cpv)
    return unique(code for code in found if code is not None)


def _value(element: ET.Element | None) -> Money | None:
    found = element.find("VALEUR") if element is not None else None
    if found is None:
        return None
    return money(found.text, found.get("DEVISE") or "EUR")


def _fill_object(draft: Draft, objet: ET.Element | None, index: ET.Element | None) -> None:
    sections = objet.findall("LOTS/LOT") if objet is not None else []
    divided = objet is not None and objet.find("DIV_EN_LOTS/OUI") is not None
    draft.category = _CATEGORIES.get(_mark(objet, "TYPE_MARCHE") or "")
    draft.classifications = _codes(objet)
    departments = (places.french_department(raw) for raw in _texts(index, "DEP_PRESTATION"))
    nuts = (
        (places.territory(code.text) for code in objet.iter("CODE_NUTS"))
        if objet is not None
        else ()
    )
    draft.place_of_performance = unique(
        [places.department_territory(dep) for dep in departments if dep]
        + [code for code in nuts if code]
    )
    own_value = _value(objet) or _value(
        objet.find("CARACTERISTIQUES") if objet is not None else None
    )
    if divided or len(sections) > 1:
        lots = [_lot(section, position) for position, section in enumerate(sections, 1)]
        draft.lots = [lot for lot in lots if lot is not None]
        draft.estimated_value = own_value or total([_value(section) for section in sections])
    else:
        draft.classifications = unique(
            draft.classifications + [code for section in sections for code in _codes(section)]
        )
        draft.estimated_value = own_value or (_value(sections[0]) if sections else None)


def _lot(section: ET.Element, position: int) -> Lot | None:
    description = _text(section, "DESCRIPTION")
    return make_lot(
        one_line(_text(section, "NUM")) or str(position),
        _text(section, "INTITULE") or (description.split("\n", 1)[0] if description else None),
        description,
        _codes(section),
        _value(section),
    )


def _fill_conditions(
    draft: Draft, notice: ET.Element, data: ET.Element | None, identity: ET.Element | None
) -> None:
    procedure = _mark(data, "PROCEDURE/TYPE_PROCEDURE")
    draft.procurement_method = _PROCEDURES.get(procedure or "", (procedure or "").lower() or None)
    if data is not None and data.find(".//MARCHE_RESERVE_OUI") is not None:
        draft.reserved_for = [ReservedFor.SHELTERED]
    draft.social_clause = any(
        mark.tag.startswith("SOCIA")
        for marks in notice.iter("CRITERES_SOCIAUX_ENV")
        for mark in marks
    )
    documents = [
        _text(identity, "URL_DOCUMENT"),
        *(
            _text(address, "URL")
            for address in (
                data.findall(".//ADRESSES_COMPLEMENTAIRES/ADRESSE") if data is not None else []
            )
            if address.find("TYPE/DOCUMENTS") is not None
        ),
        _text(identity, "URL_PARTICIPATION"),
        _text(identity, "URL_PROFIL_ACHETEUR"),
    ]
    draft.documents_url = next((url for raw in documents if (url := http_url(raw))), None)
