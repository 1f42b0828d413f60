"""OCDS (1.0/1.1) JSON to canonical tenders: a release, a release package, a record or a record
package, including Québec's SEAO (ocid prefix `ocds-ec9k95`).

Decisions, where the standard or the data leave room:
- Identity: `ocds-<prefix>-<rest>` gives source `ocds-<prefix>` (lower case) and source_id
  `<rest>`; SEAO's prefix gives source `seao`. An ocid without an OCDS prefix is qualified by
  the publisher's web host (`PW-14-00627094` from buyandsell.gc.ca → `ocds-buyandsell-gc-ca`);
  without a host it is rejected, since its uid would not be stable or unique.
- Kind: tags `tenderCancellation` or tender.status `cancelled`/`withdrawn` → cancelled;
  `tenderAmendment`/`tenderUpdate` → amended; anything else with a tender section → published.
  A release without a tender section, or whose tags are all award/contract/implementation
  stage, is skipped. A record uses its compiled release (else its latest embedded release)
  and the union of its releases' tags.
- Revision: a hint for the intake, which owns the real number — in a record, the number of
  tender-stage releases; else 1 + the number of `tender.amendments`; at least 1.
- Title: tender.title (or its `_en`/`_fr` variant), else the first line of the description,
  else the description of the only item (Canada's buyandsell releases have no title).
- Buyer: release.buyer, else the party with the buyer role, else the procuring entity. A Québec
  buyer (SEAO's, or an address whose region or postal code says Québec) is placed in its
  municipality from the address's locality, region and postal code (`places.place_in_quebec`),
  else in its region or in Québec, the reason logged.
- SEAO: notice number = the ocid's tail; `tender.id` is the buyer's reference, kept in the title;
  `items[].description` is SEAO's category (G/S/C → goods/services/works), never the title.
- published_at: tender.datePublished, else the release date, else the package date.
- Codes: tender classification (tenderClassification extension) and item classifications
  in UNSPSC, CPV, GSIN or NAICS; other schemes are skipped. A GSIN classification without an
  id gets the codes written at the start of its description (`F029: Other Animal Care...`).
- Reserved: otherRequirements.reservedParticipation `shelteredWorkshop` (and the UK's
  supported-employment codes) → sheltered, `publicServiceMissionOrganization` → social economy.
  Lot reservations count for the tender only when every lot is reserved, because the matcher
  applies `reserved_for` to the whole tender. UK suitability flags (SME, VCSE) are not
  reservations and are ignored.
- Social clause: a sustainability goal `social` or `social.disadvantagedEmploymentOpportunities`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import structlog

from ingest.formats import places
from ingest.formats.draft import Draft, finish, make_lot
from ingest.formats.normalise import (
    classification,
    clean_id,
    clean_text,
    code_scheme,
    http_url,
    money,
    normalise_language,
    one_line,
    parse_instant,
    safe_source_id,
    strip_markup,
    total,
    unique,
)
from ingest.formats.outcomes import Outcome, Rejected, Skipped, guarded
from shared.events import (
    Category,
    Classification,
    CodeScheme,
    Lot,
    Money,
    ReservedFor,
    TenderEventKind,
)
from shared.languages import written_language
from shared.text import fold

Json = dict[str, Any]
log = structlog.get_logger()

SEAO_PREFIX = "ec9k95"
# Publishers met in the corpus and their home (territory, zone), for releases without address.
KNOWN_PUBLISHERS: dict[str, tuple[str, str]] = {
    SEAO_PREFIX: ("CA-QC", "America/Toronto"),  # SEAO, Québec
    "34a6hz": ("CA", "America/Toronto"),  # buyandsell.gc.ca, Government of Canada
    "b5fd17": ("GB", "Europe/London"),  # UK Contracts Finder
    "43qwtd": ("AU", "Australia/Sydney"),  # New South Wales eTendering
    "k50g02": ("CO", "America/Bogota"),  # Colombia Compra Eficiente
    "ngfbwp": ("MD", "Europe/Chisinau"),  # Moldova MTender
    "be6bcu": ("UA", "Europe/Kyiv"),  # Prozorro, Ukraine
    "03ad3f": ("PY", "America/Asuncion"),  # DNCP, Paraguay
    "87sd3t": ("MX", "America/Mexico_City"),  # Mexico City
    "78apv2": ("FR", "Europe/Paris"),  # DECP, France
}
_OCID = re.compile(r"^ocds-([a-z0-9]+)-(.+)$", re.IGNORECASE)
_TENDER_STAGE = {"tender", "tenderAmendment", "tenderUpdate", "tenderCancellation"}
_LATER_STAGES = {
    "award", "awardUpdate", "awardCancellation", "contract", "contractUpdate",
    "contractAmendment", "contractTermination", "implementation", "implementationUpdate",
}  # fmt: skip
_CANCELLED_STATUSES = {"cancelled", "withdrawn"}
_RESERVATIONS = {
    "shelteredworkshop": ReservedFor.SHELTERED,
    "supportedemployment": ReservedFor.SHELTERED,
    "supportedemploymentprovider": ReservedFor.SHELTERED,
    "publicservicemissionorganization": ReservedFor.SOCIAL_ECONOMY,
}
_SOCIAL_GOALS = {"social", "social.disadvantagedemploymentopportunities"}
_CATEGORIES = {
    "goods": Category.GOODS, "supplies": Category.GOODS, "services": Category.SERVICES,
    "works": Category.WORKS,
}  # fmt: skip
# OCDS paths of amendment `changes` and the canonical field each one touches.
_CHANGED = {
    "title": "title", "description": "description", "value": "estimated_value",
    "tenderPeriod": "submission_deadline", "items": "classifications", "lots": "lots",
    "documents": "documents_url", "procurementMethod": "procurement_method",
}  # fmt: skip
WHERE = {
    "title": "tender.title, tender.description, items[].description",
    "language": "release.language",
    "buyer_name": "buyer.name, parties[role=buyer], tender.procuringEntity",
    "published_at": "tender.datePublished, release.date, package publishedDate",
    "submission_deadline": "tender.tenderPeriod.endDate",
}
_GSIN_IN_TEXT = re.compile(r"(?:^|,\s*)([0-9A-Z]{2,12}):")


@dataclass(frozen=True)
class Package:
    """What the enclosing package says of its publisher, used when a release is silent."""

    host: str | None = None
    country: str | None = None
    region: str | None = None
    published: str | None = None


# --- small JSON accessors -------------------------------------------------------------------


def _obj(value: object) -> Json:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _objs(value: object) -> list[Json]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _localised(container: Json, key: str, language: str | None) -> str | None:
    """`key`, else `key_<language>`, else any `key_xx` (buyandsell's `title_en`/`title_fr`)."""
    found = one_line(container.get(key))
    if found:
        return found
    if language:
        found = one_line(container.get(f"{key}_{language}"))
        if found:
            return found
    variants = (one_line(v) for k, v in sorted(container.items()) if k.startswith(f"{key}_"))
    return next((text for text in variants if text), None)


def _ref(name: str, item: object) -> str:
    """`<document>#<ocid>`: which notice of a package an outcome is about."""
    ocid = clean_id(item.get("ocid")) if isinstance(item, dict) else None
    if ocid is None and isinstance(item, dict):
        ocid = clean_id(_obj(item.get("compiledRelease")).get("ocid"))
    return f"{name}#{ocid}" if ocid else name


def _tags(release: Json) -> list[str]:
    """Tags as a list even when a publisher wrote a bare string (Montréal's `"tag": "award"`)."""
    raw = release.get("tag")
    items = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
    return [tag.strip() for tag in items if isinstance(tag, str) and tag.strip()]


# --- package shapes -------------------------------------------------------------------------


def parse_json(name: str, document: object) -> list[Outcome]:
    """Every release or record in an OCDS document, each to one outcome."""
    if isinstance(document, list):
        return _releases(name, document, Package())
    if not isinstance(document, dict):
        return [Rejected(f"JSON is not OCDS: top level is a {type(document).__name__}", name)]
    package = _package(document)
    if isinstance(document.get("records"), list):
        return [
            guarded(_ref(name, record), partial(_record, name, record, package))
            for record in document["records"]
        ]
    if "compiledRelease" in document or "versionedRelease" in document:
        return [guarded(_ref(name, document), partial(_record, name, document, package))]
    if isinstance(document.get("releases"), list):
        return _releases(name, document["releases"], package)
    if "ocid" in document:
        return [guarded(_ref(name, document), partial(_release, name, document, package))]
    return [
        Rejected(
            "JSON is not OCDS: expected a release (ocid), a release package (releases) "
            "or a record package (records)",
            name,
        )
    ]


def _package(document: Json) -> Package:
    """Publisher facts from a package, or from the sample data's non-standard `packageInfo`."""
    info = _obj(document.get("packageInfo")) or document
    publisher = _obj(info.get("publisher"))
    uri = one_line(publisher.get("uri")) or one_line(publisher.get("uri_en"))
    host = urlsplit(uri).hostname if uri and "//" in uri else None
    address = _obj(publisher.get("address"))
    return Package(
        host=host.removeprefix("www.") if host else None,
        country=places.country_code(address.get("countryName")),
        region=one_line(address.get("region")),
        published=one_line(info.get("publishedDate")),
    )


def _release_date(release: Json) -> str:
    return one_line(release.get("date")) or ""


def _releases(name: str, releases: list[Any], package: Package) -> list[Outcome]:
    """Releases in date order, so that a tender is published before it is amended."""
    ordered = sorted((item for item in releases if isinstance(item, dict)), key=_release_date)
    outcomes: list[Outcome] = [
        guarded(_ref(name, release), partial(_release, name, release, package))
        for release in ordered
    ]
    skipped = len(releases) - len(ordered)
    if skipped:
        outcomes.append(Rejected(f"{skipped} release(s) are not JSON objects", name))
    return outcomes


def _record(name: str, record: object, package: Package) -> Outcome:
    """A record: its compiled release, else its latest embedded release; tags of them all."""
    if not isinstance(record, dict):
        return Rejected("record is not a JSON object", name)
    releases = _objs(record.get("releases"))
    embedded = [item for item in releases if "ocid" in item or "tender" in item]
    compiled = _obj(record.get("compiledRelease")) or (
        max(embedded, key=_release_date) if embedded else {}
    )
    ocid = clean_id(record.get("ocid")) or clean_id(compiled.get("ocid"))
    if not compiled:
        return Rejected(
            "record has neither a compiled release nor embedded releases",
            f"{name}#{ocid}" if ocid else name,
        )
    tags = unique(tag for item in releases for tag in _tags(item)) or _tags(compiled)
    stages = sum(1 for item in releases if _TENDER_STAGE & set(_tags(item)))
    return _release(name, {**compiled, "ocid": ocid}, package, tags=tags, revision=stages)


# --- one release ----------------------------------------------------------------------------


def _skip_reason(tags: list[str], tender: Json) -> str | None:
    shown = f" (tags: {', '.join(tags)})" if tags else ""
    if not tender:
        return f"no tender section: not a call for tenders{shown}"
    if tags and set(tags) <= _LATER_STAGES:
        return f"award/contract-stage release, not a call for tenders{shown}"
    return None


def _kind(tags: list[str], tender: Json) -> TenderEventKind:
    status = one_line(tender.get("status"))
    if "tenderCancellation" in tags or (status and status.casefold() in _CANCELLED_STATUSES):
        return TenderEventKind.CANCELLED
    if {"tenderAmendment", "tenderUpdate"} & set(tags):
        return TenderEventKind.AMENDED
    return TenderEventKind.PUBLISHED


def _identity(ocid: str, package: Package) -> tuple[str, str] | str:
    """(source, source_id) from the ocid, or the reason there is no stable identity."""
    match = _OCID.match(ocid)
    if match:
        prefix, rest = match.group(1).lower(), match.group(2)
        source = "seao" if prefix == SEAO_PREFIX else f"ocds-{prefix}"[:40]
    elif package.host:
        source = ("ocds-" + re.sub(r"[^a-z0-9]+", "-", package.host.lower()).strip("-"))[:40]
        rest = ocid
    else:
        return f"ocid {ocid!r} has no OCDS prefix (ocds-xxxxxx-) and no publisher to qualify it"
    source_id = safe_source_id(rest)
    if source_id is None:
        return f"ocid {ocid!r} does not give a usable id"
    return source.rstrip("-"), source_id


def _release(
    name: str,
    release: Json,
    package: Package,
    *,
    tags: list[str] | None = None,
    revision: int = 0,
) -> Outcome:
    ocid = clean_id(release.get("ocid"))
    ref = _ref(name, release)
    if ocid is None:
        return Rejected("release has no ocid", ref)
    tags = _tags(release) if tags is None else tags
    tender = _obj(release.get("tender"))
    reason = _skip_reason(tags, tender)
    if reason:
        return Skipped(reason, ref)
    identity = _identity(ocid, package)
    if isinstance(identity, str):
        return Rejected(identity, ref)
    draft = Draft(source=identity[0], source_id=identity[1], ref=ref)
    prefix = identity[0].removeprefix("ocds-") if identity[0] != "seao" else SEAO_PREFIX
    _fill(draft, release, tender, package, prefix)
    draft.revision = max(revision, 1 + len(_objs(tender.get("amendments"))))
    kind = _kind(tags, tender)
    changed = _changed_fields(tender) if kind == TenderEventKind.AMENDED else ()
    return finish(draft, kind, WHERE, changed)


def _fill(draft: Draft, release: Json, tender: Json, package: Package, prefix: str) -> None:
    """Every canonical field the release gives; required ones are checked by `finish`."""
    language = normalise_language(release.get("language"))
    if language is None and prefix == SEAO_PREFIX:
        language = "fr"  # SEAO publishes in French
    draft.language = language
    if language is None and one_line(release.get("language")):
        draft.problems["language"] = f"unknown language {release.get('language')!r}"
    _fill_buyer(draft, release, tender, package, prefix)
    _fill_texts(draft, tender, language, seao=prefix == SEAO_PREFIX)
    _fill_dates(draft, release, tender, package)
    items = _objs(tender.get("items"))
    draft.classifications = _classifications([tender, *items])
    lots = _lots(tender, items, language)
    draft.lots = [lot for lot, _ in lots]
    draft.estimated_value = _value(tender.get("value")) or total(
        [lot.estimated_value for lot, _ in lots]
    )
    draft.category = _category(tender)
    method = one_line(tender.get("procurementMethod"))
    draft.procurement_method = method if method and len(method) <= 60 else None
    draft.reserved_for = _reserved(tender, [raw for _, raw in lots])
    draft.social_clause = any(_social(part) for part in [tender, *(raw for _, raw in lots)])
    draft.documents_url = _documents_url(tender)
    if prefix == SEAO_PREFIX:
        _seao_conventions(draft, tender, items)


# --- buyer and place ------------------------------------------------------------------------


def _party(parties: list[Json], *, party_id: object = None, role: str | None = None) -> Json:
    for party in parties:
        if party_id is not None and clean_id(party.get("id")) == clean_id(party_id):
            return party
        if role is not None and role in _list(party.get("roles")):
            return party
    return {}


def _buyer_candidates(release: Json, tender: Json) -> list[Json]:
    """Buyer, then the parties that stand for it, then the procuring entity, in that order."""
    parties = _objs(release.get("parties"))
    buyer = _obj(release.get("buyer"))
    entity = _obj(tender.get("procuringEntity"))
    candidates = [
        buyer,
        _party(parties, party_id=buyer.get("id")) if buyer.get("id") is not None else {},
        _party(parties, role="buyer"),
        entity,
        _party(parties, party_id=entity.get("id")) if entity.get("id") is not None else {},
        _party(parties, role="procuringEntity"),
    ]
    return [candidate for candidate in candidates if candidate]


def _fill_buyer(draft: Draft, release: Json, tender: Json, package: Package, prefix: str) -> None:
    language = draft.language
    candidates = _buyer_candidates(release, tender)
    draft.buyer_name = next(
        (found for c in candidates if (found := _localised(c, "name", language))), None
    )
    draft.buyer_id = next((found for c in candidates if (found := clean_id(c.get("id")))), None)
    address = next((a for c in candidates if (a := _obj(c.get("address")))), {})
    country = places.country_code(address.get("countryName")) or package.country
    region = address.get("region") or package.region
    if _in_quebec(country, address, region, prefix):
        placed = places.place_in_quebec(address.get("locality"), region, address.get("postalCode"))
        if placed.reason:
            log.info("buyer_left_above_municipality", ref=draft.ref, place=placed.territory,
                     reason=placed.reason)  # fmt: skip
        draft.buyer_territories = [placed.territory]
        draft.deadline_timezone = places.QUEBEC_ZONE
        return
    territories, zone_name = places.locate(country, region)
    known = KNOWN_PUBLISHERS.get(prefix)
    if not territories and known:
        territories, zone_name = [known[0]], known[1]
    if zone_name is None and known:
        zone_name = known[1]
    if not territories:
        territories, zone_name = places.locate(places.domain_country(package.host))
    draft.buyer_territories = territories
    draft.deadline_timezone = zone_name or places.DEFAULT_ZONE


def _in_quebec(country: str | None, address: Json, region: object, prefix: str) -> bool:
    """A Québec buyer: SEAO's, or one whose address says Québec (province, region, postal code).
    A bare region number (`16`) counts only with the country given as Canada."""
    if country not in (None, "CA"):
        return False
    if prefix == SEAO_PREFIX or places.in_quebec(region, address.get("postalCode")):
        return True
    return country == "CA" and places.quebec_region(region) is not None


# --- texts, dates, codes, values ------------------------------------------------------------


def _fill_texts(draft: Draft, tender: Json, language: str | None, *, seao: bool = False) -> None:
    description_raw = clean_text(tender.get("description")) or clean_text(
        tender.get(f"description_{language}")
    )
    description = strip_markup(description_raw) if description_raw else None
    draft.description = description or None
    items = _objs(tender.get("items"))
    # SEAO's item descriptions are its categories (`C01 - Bâtiments`), never a title.
    only_item = one_line(items[0].get("description")) if len(items) == 1 and not seao else None
    first_line = one_line(description.split("\n", 1)[0]) if description else None
    draft.title = _localised(tender, "title", language) or first_line or only_item


def _fill_dates(draft: Draft, release: Json, tender: Json, package: Package) -> None:
    zone_name = draft.deadline_timezone or places.DEFAULT_ZONE
    for raw in (tender.get("datePublished"), release.get("date"), package.published):
        draft.published_at = parse_instant(raw, zone_name, date_only="start")
        if draft.published_at:
            break
    end = _obj(tender.get("tenderPeriod")).get("endDate")
    draft.submission_deadline = parse_instant(end, zone_name, date_only="end")
    if draft.submission_deadline is None and one_line(end):
        draft.problems["submission_deadline"] = f"unreadable tender.tenderPeriod.endDate {end!r}"


def _codes_of(block: Json) -> Iterable[Classification | None]:
    """A classification object, or the GSIN codes that buyandsell wrote in its description."""
    scheme, code = block.get("scheme"), block.get("id")
    if code_scheme(scheme) == CodeScheme.GSIN and clean_id(code) is None:
        text = one_line(block.get("description")) or ""
        return (classification(scheme, found, None) for found in _GSIN_IN_TEXT.findall(text))
    return [classification(scheme, code, block.get("description"))]


def _classifications(holders: Iterable[Json]) -> list[Classification]:
    """Codes of the tender (tenderClassification extension) and of its items, deduplicated."""
    found: list[Classification | None] = []
    for holder in holders:
        found.extend(_codes_of(_obj(holder.get("classification"))))
        for extra in _objs(holder.get("additionalClassifications")):
            found.extend(_codes_of(extra))
    return unique(code for code in found if code is not None)


def _value(raw: object) -> Money | None:
    block = _obj(raw)
    return money(block.get("amount"), block.get("currency"))


def _category(tender: Json) -> Category | None:
    raw = one_line(tender.get("mainProcurementCategory")) or one_line(
        _obj(tender.get("xClassifications")).get("ojeuContractType")
    )
    return _CATEGORIES.get(raw.casefold()) if raw else None


def _lots(tender: Json, items: list[Json], language: str | None) -> list[tuple[Lot, Json]]:
    """Lots with the codes of their items (`relatedLot`, or Paraguay's `lots[].items` ids)."""
    built: list[tuple[Lot, Json]] = []
    for raw in _objs(tender.get("lots")):
        lot_id = clean_id(raw.get("id"))
        if lot_id is None:
            continue
        listed = {clean_id(item) for item in _list(raw.get("items")) if clean_id(item)}
        own = [
            item
            for item in items
            if clean_id(item.get("relatedLot")) == lot_id or clean_id(item.get("id")) in listed
        ]
        description = clean_text(raw.get("description"))
        lot = make_lot(
            lot_id,
            _localised(raw, "title", language),
            strip_markup(description) if description else None,
            _classifications([raw, *own]),
            _value(raw.get("value")),
        )
        if lot is not None:
            built.append((lot, raw))
    return built


# --- SEAO ----------------------------------------------------------------------------------

_SEAO_CATEGORY = re.compile(r"^\s*([GSC])\d*\s*[-–]")
_SEAO_KINDS = {"G": Category.GOODS, "S": Category.SERVICES, "C": Category.WORKS}
_REFERENCE_LABEL = {"fr": "réf.", "en": "ref."}


def _seao_conventions(draft: Draft, tender: Json, items: list[Json]) -> None:
    """SEAO's own fields: its category in items[].description (`S3 - Services d'architecture`:
    G goods, S services, C construction works) when the release gives no main category, and the
    buyer's reference (tender.id, `VM-2022-02(G)`) kept in the title, the one text every message
    shows — SEAO's notice number is the ocid's tail, already the tender's uid."""
    if draft.category is None:
        kinds = {
            _SEAO_KINDS[found.group(1)]
            for item in items
            if (found := _SEAO_CATEGORY.match(one_line(item.get("description")) or ""))
        }
        draft.category = kinds.pop() if len(kinds) == 1 else None
    reference = clean_id(tender.get("id"))
    title = draft.title
    if title and reference and reference != draft.source_id and fold(reference) not in fold(title):
        label = _REFERENCE_LABEL[written_language(draft.language)]
        draft.title = f"{title} ({label} {reference})"


# --- social economy -------------------------------------------------------------------------


def _reservations(part: Json) -> set[ReservedFor]:
    raw = _obj(part.get("otherRequirements")).get("reservedParticipation")
    codes = [raw] if isinstance(raw, str) else _list(raw)
    folded = (code.strip().casefold() for code in codes if isinstance(code, str))
    return {_RESERVATIONS[code] for code in folded if code in _RESERVATIONS}


def _reserved(tender: Json, lots: list[Json]) -> list[ReservedFor]:
    """The tender's own reservation, else one shared by every lot (see the module docstring)."""
    own = _reservations(tender)
    if own or not lots:
        return sorted(own)
    shared = set.intersection(*(_reservations(lot) for lot in lots))
    return sorted(shared)


def _social(part: Json) -> bool:
    goals = (_obj(entry).get("goal") for entry in _list(part.get("sustainability")))
    return any(isinstance(goal, str) and goal.strip().casefold() in _SOCIAL_GOALS for goal in goals)


def _documents_url(tender: Json) -> str | None:
    """The tender notice first, then bidding documents, then any document with a link."""
    documents = _objs(tender.get("documents"))
    for wanted in ("tenderNotice", "biddingDocuments", None):
        for document in documents:
            if wanted is None or document.get("documentType") == wanted:
                url = http_url(document.get("url"))
                if url:
                    return url
    return None


def _changed_fields(tender: Json) -> list[str]:
    """Canonical fields named by the last amendment's `changes`, when the publisher lists them."""
    amendments = _objs(tender.get("amendments"))
    changes = _objs(amendments[-1].get("changes")) if amendments else []
    paths: Mapping[str, str] = _CHANGED
    found = (paths.get(str(change.get("property", "")).split(".", 1)[0]) for change in changes)
    return unique(field for field in found if field)
