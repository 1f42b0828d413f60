"""TED eForms (UBL 2.3) notices to canonical tenders.

Decisions:
- Competition notices (`cn-*`, `pin-cfc-*`, `pin-tran`, `subco`, `qu-sy`) become tenders;
  result notices (`can-*`, `veat`), planning-only notices (`pin-only`, `pin-buyer`, `pin-rtl`)
  and contract modifications are skipped.
- A notice with `efac:Changes` is a change notice: BT-140 reason `cancel` → cancelled, any
  other reason → amended (revision hint 2; the intake owns the real revision).
- uid `ted:<ContractFolderID>` (BT-04, the procedure identifier). Every notice of a procedure
  — the contract notice and each change notice — carries the same BT-04, while a change notice
  only points at the notice it changes by that notice's UUID (BT-758), never by its OJ S
  publication number; so BT-04 is the id that lets a change keep the tender's uid. The OJ S
  number (`00041387-2024`) appears in the outcome's `ref`. Without BT-04, the notice UUID.
- Deadline of a lot: BT-131 (tenders), else BT-1311 (requests to participate), else BT-630
  (expressions of interest, for a PIN used as call for competition); the tender's deadline is
  the earliest lot deadline. Lots keep their own codes and values (the canonical lot has no
  deadline field).
- Place: NUTS codes of BT-5071 (procedure and lots), as given (`FRJ12`). Buyer territory: for a
  French buyer, the EPCI it is (its SIRET) or the commune of its address (city name in the
  department of its NUTS code or postal code), then its NUTS code; else its country. Zone: the
  buyer's NUTS (overseas France) or country.
- published_at: OJ S publication date (start of day), else BT-05 issue date and time.
- Language: BT-702 notice language, else the language of the title; texts given in several
  languages are taken in that language.
- Value: BT-27 of the procedure with its currency, else the sum of the lots' BT-27.
- Reserved (BT-71, codelist reserved-procurement): `res-ws` (sheltered workshops and operators
  integrating disabled or disadvantaged persons) → sheltered and insertion (the matcher reads
  several reservations as "any of"); `res-pub-ser` (public service
  mission organisations, art. 77 of directive 2014/24: mutuals and social enterprises) →
  social economy. Counted for the tender only when every lot carries it, because the matcher
  applies `reserved_for` to the whole tender.
- Social clause: social objective `opp` (employment opportunities for disadvantaged people,
  BT-775) or reserved execution `yes` (BT-736, sheltered employment programmes).
- Lots are listed when there are several; a single lot lends its codes and places to the tender.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # types only; parsing is guarded in safexml
from dataclasses import replace
from datetime import datetime

from ingest.formats import places
from ingest.formats.draft import Draft, finish, make_lot
from ingest.formats.normalise import (
    classification,
    clean_text,
    combine_date_time,
    http_url,
    money,
    normalise_language,
    one_line,
    safe_source_id,
    total,
    unique,
)
from ingest.formats.outcomes import Outcome, Rejected, Skipped, guarded
from shared.events import Category, Classification, Lot, Money, ReservedFor, TenderEventKind

NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "ext": "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2",
    "efext": "http://data.europa.eu/p27/eforms-ubl-extensions/1",
    "efac": "http://data.europa.eu/p27/eforms-ubl-extension-aggregate-components/1",
    "efbc": "http://data.europa.eu/p27/eforms-ubl-extension-basic-components/1",
}
_UBL = "urn:oasis:names:specification:ubl:schema:xsd:"
_ROOTS = {"ContractNotice", "PriorInformationNotice", "ContractAwardNotice"}
_EXTENSION = "ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/efext:EformsExtension"
_COMPETITION = {"pin-cfc-standard", "pin-cfc-social", "pin-tran", "subco", "qu-sy"}
_PLANNING = {"pin-only", "pin-buyer", "pin-rtl"}
_RESERVED = {
    "res-ws": frozenset({ReservedFor.SHELTERED, ReservedFor.INSERTION}),
    "res-pub-ser": frozenset({ReservedFor.SOCIAL_ECONOMY}),
}
_CATEGORIES = {"services": Category.SERVICES, "works": Category.WORKS,
               "supplies": Category.GOODS}  # fmt: skip
_DEADLINES = (
    "cac:TenderingProcess/cac:TenderSubmissionDeadlinePeriod",
    "cac:TenderingProcess/cac:ParticipationRequestReceptionPeriod",
    f"cac:TenderingProcess/{_EXTENSION}/efac:InterestExpressionReceptionPeriod",
)
WHERE = {
    "title": "cac:ProcurementProject/cbc:Name (BT-21)",
    "language": "cbc:NoticeLanguageCode (BT-702)",
    "buyer_name": "cac:ContractingParty → efac:Organization name (BT-500)",
    "published_at": "efbc:PublicationDate, cbc:IssueDate (BT-05)",
    "submission_deadline": "lot deadlines BT-131, BT-1311, BT-630",
}


def is_eforms(root: ET.Element) -> bool:
    namespace, _, local = root.tag[1:].partition("}")
    return root.tag.startswith("{") and namespace.startswith(_UBL) and local in _ROOTS


# --- element helpers ------------------------------------------------------------------------


def _text(element: ET.Element | None, path: str) -> str | None:
    found = element.find(path, NS) if element is not None else None
    return clean_text(found.text) if found is not None else None


def _in_language(element: ET.Element | None, path: str, language: str | None) -> str | None:
    """The text in the notice's language when several are given (Belgian FR/NL notices)."""
    if element is None:
        return None
    found = [item for item in element.findall(path, NS) if clean_text(item.text)]
    preferred = [item for item in found if item.get("languageID", "").upper() == language]
    chosen = (preferred or found)[:1]
    return clean_text(chosen[0].text) if chosen else None


def _codes_by_list(element: ET.Element, path: str, list_name: str) -> list[str]:
    return [
        text
        for item in element.findall(path, NS)
        if item.get("listName") == list_name and (text := one_line(item.text))
    ]


# --- notice type and identity ---------------------------------------------------------------


def _not_a_call(root: ET.Element) -> Skipped | Rejected | None:
    """A Skipped for a known notice type that opens no competition, a Rejected for an unknown
    type, or None for a call for competition. `ref` is filled in by the caller."""
    found = root.find("cbc:NoticeTypeCode", NS)
    code = one_line(found.text) if found is not None else None
    list_name = found.get("listName") if found is not None else None
    shown = f"{code} ({list_name})" if list_name else str(code)
    if (
        root.tag.endswith("}ContractAwardNotice")
        or list_name == "result"
        or (code and (code.startswith("can-") or code == "veat"))
    ):
        return Skipped(f"contract award notice {shown}, not a call for competition", "")
    if list_name == "planning" or code in _PLANNING:
        return Skipped(f"planning notice {shown}: announces a procedure, does not open it", "")
    if list_name in {"dir-awa-pre", "cont-modif"}:
        return Skipped(f"notice {shown} is not a call for competition", "")
    if list_name == "competition" or (code and (code.startswith("cn-") or code in _COMPETITION)):
        return None
    return Rejected(f"unknown eForms notice type {shown}", "")


def _kind(extension: ET.Element | None) -> tuple[TenderEventKind, int]:
    changes = extension.find("efac:Changes", NS) if extension is not None else None
    if changes is None:
        return TenderEventKind.PUBLISHED, 1
    reasons = {
        one_line(item.text) for item in changes.findall("efac:ChangeReason/cbc:ReasonCode", NS)
    }
    if "cancel" in reasons:
        return TenderEventKind.CANCELLED, 2
    return TenderEventKind.AMENDED, 2


def parse(name: str, root: ET.Element) -> list[Outcome]:
    return [guarded(name, lambda: _notice(name, root))]


def _notice(name: str, root: ET.Element) -> Outcome:
    extension = root.find(_EXTENSION, NS)
    publication = _text(extension, "efac:Publication/efbc:NoticePublicationID")
    notice_id = _text(root, "cbc:ID")
    ref = f"{name}#{publication or notice_id}" if publication or notice_id else name
    verdict = _not_a_call(root)
    if verdict is not None:
        return replace(verdict, ref=ref)
    folder = _text(root, "cbc:ContractFolderID") or notice_id
    source_id = safe_source_id(folder) if folder else None
    if source_id is None:
        return Rejected("notice has neither a procedure identifier (BT-04) nor a notice id", ref)
    kind, revision = _kind(extension)
    draft = Draft(source="ted", source_id=source_id, ref=ref, revision=revision)
    _fill(draft, root, extension)
    return finish(draft, kind, WHERE)


# --- content --------------------------------------------------------------------------------


def _fill(draft: Draft, root: ET.Element, extension: ET.Element | None) -> None:
    project = root.find("cac:ProcurementProject", NS)
    name = project.find("cbc:Name", NS) if project is not None else None
    notice_language = (_text(root, "cbc:NoticeLanguageCode") or "").upper() or (
        name.get("languageID", "").upper() if name is not None else None
    )
    draft.language = normalise_language(notice_language)
    _fill_buyer(draft, root, extension, notice_language)
    draft.title = one_line(_in_language(project, "cbc:Name", notice_language))
    draft.description = _in_language(project, "cbc:Description", notice_language)
    draft.category = _CATEGORIES.get(_text(project, "cbc:ProcurementTypeCode") or "")
    draft.procurement_method = _text(root, "cac:TenderingProcess/cbc:ProcedureCode")
    draft.published_at = _published(root, extension, draft.deadline_timezone or "UTC")
    lots = [
        lot
        for lot in root.findall("cac:ProcurementProjectLot", NS)
        if not (_text(lot, "cbc:ID") or "").startswith("GLO-")
    ]
    _fill_lots(draft, project, lots, notice_language)


def _organisation(extension: ET.Element | None, org_id: str | None) -> ET.Element | None:
    if extension is None or org_id is None:
        return None
    for company in extension.findall("efac:Organizations/efac:Organization/efac:Company", NS):
        if _text(company, "cac:PartyIdentification/cbc:ID") == org_id:
            return company
    return None


def _fill_buyer(
    draft: Draft, root: ET.Element, extension: ET.Element | None, language: str | None
) -> None:
    org_id = _text(root, "cac:ContractingParty/cac:Party/cac:PartyIdentification/cbc:ID")
    company = _organisation(extension, org_id)
    if company is None:
        draft.problems["buyer_name"] = f"no organisation {org_id} in efac:Organizations"
        draft.deadline_timezone = places.DEFAULT_ZONE
        return
    draft.buyer_name = one_line(_in_language(company, "cac:PartyName/cbc:Name", language))
    draft.buyer_id = _text(company, "cac:PartyLegalEntity/cbc:CompanyID")
    nuts = places.territory(_text(company, "cac:PostalAddress/cbc:CountrySubentityCode"))
    country = places.country_code(
        _text(company, "cac:PostalAddress/cac:Country/cbc:IdentificationCode")
    )
    # A French buyer that is an EPCI (its SIRET begins with the EPCI's SIREN) stands for its
    # whole area; any other stands where its address is.
    department = places.nuts_department(nuts) or (
        places.french_department(None, _text(company, "cac:PostalAddress/cbc:PostalZone"))
        if country == "FR"
        else None
    )
    local = places.french_epci(draft.buyer_id) or places.french_commune(
        department, _text(company, "cac:PostalAddress/cbc:CityName")
    )
    draft.buyer_territories = [c for c in (local, nuts) if c] or ([country] if country else [])
    draft.deadline_timezone = (
        places.nuts_zone(nuts)
        or (places.COUNTRY_ZONES.get(country) if country else None)
        or places.DEFAULT_ZONE
    )


def _published(root: ET.Element, extension: ET.Element | None, zone_name: str) -> datetime | None:
    day = _text(extension, "efac:Publication/efbc:PublicationDate")
    if day:
        return combine_date_time(day, None, zone_name, date_only="start")
    return combine_date_time(
        _text(root, "cbc:IssueDate"), _text(root, "cbc:IssueTime"), zone_name, date_only="start"
    )


def _codes(project: ET.Element | None) -> list[Classification]:
    """BT-262 main and BT-263 additional CPV codes."""
    if project is None:
        return []
    found = (
        classification(item.get("listName", "cpv"), item.text)
        for path in ("cac:MainCommodityClassification", "cac:AdditionalCommodityClassification")
        for item in project.findall(f"{path}/cbc:ItemClassificationCode", NS)
    )
    return unique(code for code in found if code is not None)


def _places(project: ET.Element | None) -> list[str]:
    if project is None:
        return []
    found = project.findall("cac:RealizedLocation/cac:Address/cbc:CountrySubentityCode", NS)
    return unique(code for item in found if (code := places.territory(item.text)))


def _value(project: ET.Element | None) -> Money | None:
    found = (
        project.find("cac:RequestedTenderTotal/cbc:EstimatedOverallContractAmount", NS)
        if project is not None
        else None
    )
    return money(found.text, found.get("currencyID")) if found is not None else None


def _deadline(lot: ET.Element, zone_name: str) -> datetime | None:
    for path in _DEADLINES:
        period = lot.find(path, NS)
        if period is not None:
            moment = combine_date_time(
                _text(period, "cbc:EndDate"),
                _text(period, "cbc:EndTime"),
                zone_name,
                date_only="end",
            )
            if moment:
                return moment
    return None


def _fill_lots(
    draft: Draft, project: ET.Element | None, lots: list[ET.Element], language: str | None
) -> None:
    zone_name = draft.deadline_timezone or places.DEFAULT_ZONE
    draft.classifications = _codes(project)
    draft.place_of_performance = _places(project)
    deadlines = [moment for lot in lots if (moment := _deadline(lot, zone_name))]
    draft.submission_deadline = min(deadlines) if deadlines else None
    lot_projects = [lot.find("cac:ProcurementProject", NS) for lot in lots]
    values = [_value(lot_project) for lot_project in lot_projects]
    draft.estimated_value = _value(project) or total(values)
    for lot_project in lot_projects:
        draft.place_of_performance += _places(lot_project)
    if len(lots) == 1:
        draft.classifications += _codes(lot_projects[0])
    else:
        built = (_lot(lot, language) for lot in lots)
        draft.lots = [lot for lot in built if lot is not None]
    draft.reserved_for = _reserved(lots)
    draft.social_clause = any(
        _social(lot) for lot in [*lots, *([project] if project is not None else [])]
    )
    uris = (
        http_url(item.text)
        for lot in lots
        for item in lot.findall(
            "cac:TenderingTerms/cac:CallForTendersDocumentReference/cac:Attachment/"
            "cac:ExternalReference/cbc:URI",
            NS,
        )
    )
    draft.documents_url = next((uri for uri in uris if uri), None)


def _lot(lot: ET.Element, language: str | None) -> Lot | None:
    lot_id = _text(lot, "cbc:ID")
    project = lot.find("cac:ProcurementProject", NS)
    if lot_id is None:
        return None
    return make_lot(
        lot_id,
        _in_language(project, "cbc:Name", language),
        _in_language(project, "cbc:Description", language),
        _codes(project),
        _value(project),
    )


def _reserved(lots: list[ET.Element]) -> list[ReservedFor]:
    """BT-71 reservations shared by every lot (see the module docstring)."""
    path = "cac:TenderingTerms/cac:TendererQualificationRequest/cac:SpecificTendererRequirement/"
    per_lot = [
        {
            kind
            for code in _codes_by_list(
                lot, path + "cbc:TendererRequirementTypeCode", "reserved-procurement"
            )
            for kind in _RESERVED.get(code, ())
        }
        for lot in lots
    ]
    return sorted(set.intersection(*per_lot)) if per_lot else []


def _social(part: ET.Element) -> bool:
    objectives = _codes_by_list(
        part, ".//cac:ProcurementAdditionalType/cbc:ProcurementTypeCode", "social-objective"
    )
    execution = _codes_by_list(
        part,
        ".//cac:ContractExecutionRequirement/cbc:ExecutionRequirementCode",
        "reserved-execution",
    )
    return "opp" in objectives or "yes" in execution
