"""Regenerate `shared/reference/france.tsv`: French communes, EPCIs and NUTS codes.

Run by a developer when the official geography changes (each January), never at run time:

    python tools/build_french_territories.py

Sources, both downloaded at pinned versions and checked against their SHA-256:
- the *Code officiel géographique* of INSEE (communes, their department, the EPCI each belongs
  to), as packaged by Etalab in the npm package `@etalab/decoupage-administratif`;
- the NUTS 2024 code list of the EU Publications Office, as shipped in the eForms SDK on Maven
  Central (the list eForms notices draw BT-5071 from).

Overseas collectivities (Saint-Pierre-et-Miquelon, Polynésie française...) are left out: they
are neither regions nor departments. Regions and departments stay typed in
`shared/territories.py`; this script checks that they agree with INSEE's, and fails rather than
write a file in which a department has no NUTS code.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import re
import tarfile
import urllib.request
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from shared.territories import FRENCH_DEPARTMENTS, FRENCH_REGIONS
from shared.text import fold
from tools.reference_table import write_reference_table

COG_URL = (
    "https://registry.npmjs.org/@etalab/decoupage-administratif/-/decoupage-administratif-6.0.0.tgz"
)
COG_SHA256 = "c189ffd5b33fe40c2f19e1a923ce557f190622f39228745d3195d746dfe00c4a"
NUTS_URL = (
    "https://repo1.maven.org/maven2/eu/europa/ted/eforms/eforms-sdk/1.15.1/eforms-sdk-1.15.1.jar"
)
NUTS_SHA256 = "d16f7bffd9b13c787caf9c2104425b3ec76949e0d85427c598dc379b02752c5c"
NUTS_MEMBER = "eforms-sdk/codelists/nuts.gc"

OUTPUT = Path(__file__).resolve().parent.parent / "shared" / "reference" / "france.tsv"

Row = tuple[str, str, tuple[str, ...]]  # code, name, parents


def _download(url: str, sha256: str) -> bytes:
    with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 - pinned https URL
        payload: bytes = response.read()
    digest = hashlib.sha256(payload).hexdigest()
    if digest != sha256:
        raise SystemExit(f"{url}: SHA-256 {digest}, expected {sha256}")
    return payload


def _npm_json(archive: bytes, name: str) -> list[dict[str, Any]]:
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        member = tar.extractfile(f"package/data/{name}")
        if member is None:
            raise SystemExit(f"{name} missing from the COG package")
        loaded: list[dict[str, Any]] = json.load(member)
        return loaded


def _nuts_rows(jar: bytes) -> list[dict[str, str]]:
    with zipfile.ZipFile(io.BytesIO(jar)) as archive:
        root = ElementTree.fromstring(archive.read(NUTS_MEMBER))  # noqa: S314 - pinned, hashed
    rows = []
    for row in root.iter("Row"):
        values = {v.get("ColumnRef", ""): v.findtext("SimpleValue") or "" for v in row}
        if values.get("code", "").startswith("FR"):
            rows.append(values)
    return rows


def _key(name: str) -> str:
    """Names compared across sources: no accents, case, spaces, dashes or apostrophes."""
    return re.sub(r"[^a-z0-9]", "", fold(name))


def _check_insee_levels(regions: list[dict[str, Any]], departments: list[dict[str, Any]]) -> None:
    theirs_regions = {r["code"]: r["nom"] for r in regions if r["zone"] != "com"}
    if theirs_regions != FRENCH_REGIONS:
        raise SystemExit(f"regions differ from shared/territories.py: {theirs_regions}")
    theirs = {d["code"]: (d["nom"], d["region"]) for d in departments if d["zone"] != "com"}
    if theirs != FRENCH_DEPARTMENTS:
        diff = set(theirs.items()) ^ set(FRENCH_DEPARTMENTS.items())
        raise SystemExit(f"departments differ from shared/territories.py: {sorted(diff)}")


def _communes(communes: list[dict[str, Any]], epci_of: dict[str, str]) -> Iterator[Row]:
    current = {c["code"] for c in communes if c["type"] == "commune-actuelle"}
    for commune in communes:
        if commune["zone"] == "com":
            continue  # overseas collectivities (Saint-Martin...): neither region nor department
        code, kind = commune["code"], commune["type"]
        if kind == "commune-actuelle":
            epci = epci_of.get(code)
            parents = ((f"FR-EPCI-{epci}",) if epci else ()) + (f"FR-DEP-{commune['departement']}",)
            yield f"FR-COM-{code}", commune["nom"], parents
        elif kind == "arrondissement-municipal":
            yield f"FR-COM-{code}", commune["nom"], (f"FR-COM-{commune['commune']}",)
        elif code not in current:
            # A former commune merged into another (déléguée, associée): its old code is still
            # written on notices, and it lies wherever the commune it joined lies.
            yield f"FR-COM-{code}", commune["nom"], (f"FR-COM-{commune['chefLieu']}",)


def _epcis(epcis: list[dict[str, Any]], department_of: dict[str, str]) -> Iterator[Row]:
    """EPCIs sit in their department, or in their region when they span several."""
    for epci in epcis:
        members = [m["code"] for m in epci["membres"]]
        departments = {department_of[m] for m in members}
        regions = {FRENCH_DEPARTMENTS[d][1] for d in departments}
        if len(departments) == 1:
            parent = f"FR-DEP-{departments.pop()}"
        elif len(regions) == 1:
            parent = f"FR-REG-{regions.pop()}"
        else:
            parent = "FR"
        yield f"FR-EPCI-{epci['code']}", epci["nom"], (parent,)


def _nuts(rows: list[dict[str, str]]) -> Iterator[Row]:
    """The NUTS tree, each NUTS code also tied both ways to the INSEE unit it equals.

    NUTS 3 are the departments; NUTS 1 are today's regions (but FRY, the overseas ones together);
    NUTS 2 are today's regions or the regions before 2016 (FRC1 Bourgogne): those have no INSEE
    twin and keep only their place in the NUTS tree."""
    departments = {_key(name): code for code, (name, _) in FRENCH_DEPARTMENTS.items()}
    regions = {_key(name): code for code, name in FRENCH_REGIONS.items()}
    twins: dict[str, str] = {}
    for row in rows:
        code, name = row["code"], row["fra_label"] or row["Name"]
        level = len(code) - 2
        if level == 3 and not code.startswith("FRZ"):
            twins[code] = f"FR-DEP-{departments.pop(_key(name))}"
        elif level in (1, 2) and _key(name) in regions:
            twins[code] = f"FR-REG-{regions[_key(name)]}"
    if departments:
        raise SystemExit(f"departments without a NUTS 3 code: {sorted(departments.values())}")
    for row in rows:
        code = row["code"]
        if code == "FR":
            continue
        parents = (row["parentCode"] or "FR",) + ((twins[code],) if code in twins else ())
        yield code, row["fra_label"] or row["Name"], parents
    for code, twin in sorted(twins.items(), key=lambda item: item[1]):
        yield twin, _insee_name(twin), (code,)


def _insee_name(code: str) -> str:
    number = code.rsplit("-", 1)[1]
    if code.startswith("FR-DEP-"):
        return FRENCH_DEPARTMENTS[number][0]
    return FRENCH_REGIONS[number]


def _merge(rows: Iterable[Row]) -> list[Row]:
    merged: dict[str, tuple[str, list[str]]] = {}
    for code, name, parents in rows:
        known_name, known_parents = merged.setdefault(code, (name, []))
        merged[code] = (
            known_name or name,
            known_parents + [p for p in parents if p not in known_parents],
        )
    return [(code, name, tuple(parents)) for code, (name, parents) in merged.items()]


def build(cog: bytes, jar: bytes) -> list[Row]:
    regions, departments = _npm_json(cog, "regions.json"), _npm_json(cog, "departements.json")
    _check_insee_levels(regions, departments)
    communes, epcis = _npm_json(cog, "communes.json"), _npm_json(cog, "epci.json")
    epci_of = {m["code"]: e["code"] for e in epcis for m in e["membres"]}
    department_of = {c["code"]: c["departement"] for c in communes if "departement" in c}
    rows = [*_nuts(_nuts_rows(jar)), *_epcis(epcis, department_of), *_communes(communes, epci_of)]
    return _merge(rows)


def write(rows: list[Row], path: Path) -> None:
    header = [
        "Generated by tools/build_french_territories.py; do not edit by hand.",
        "INSEE Code officiel géographique 2026 via @etalab/decoupage-administratif 6.0.0"
        " (Licence Ouverte 2.0);",
        "NUTS 2024 of the EU Publications Office via the eForms SDK 1.15.1 (reuse authorised).",
        "code<TAB>name<TAB>parents (comma-separated; a NUTS code and the INSEE unit it equals",
        "are each other's parent).",
    ]
    table = [(code, name, ",".join(parents)) for code, name, parents in rows]
    write_reference_table(path, header, table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    rows = build(_download(COG_URL, COG_SHA256), _download(NUTS_URL, NUTS_SHA256))
    write(rows, args.output)
    print(f"{len(rows)} territories written to {args.output}")


if __name__ == "__main__":
    main()
