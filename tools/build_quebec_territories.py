"""Regenerate `shared/reference/quebec.tsv`: Québec's municipalities, MRCs and agglomerations.

Run by a developer when the MAMH's directory changes (once a year), never at run time:

    python tools/build_quebec_territories.py [--source tools/data/quebec/municipalities.csv]

Source: `tools/data/quebec/municipalities.csv`, the *Répertoire des municipalités du Québec* of
the Ministère des Affaires municipales et de l'Habitation (CC BY 4.0, see `SOURCES.md` there).

Hierarchy written: municipality → its MRC, or, for a municipality in no MRC, the census division
that stands in for one → administrative region. The census divisions are named and coded as
people know them: the five agglomerations of the *Loi sur l'exercice de certaines compétences
municipales dans certaines agglomérations* whose territory is a census division
(`CA-QC-AGG-LONGUEUIL`, `-MONTREAL`, `-QUEBEC`, `-LA-TUQUE`, `-LES-ILES-DE-LA-MADELEINE`), and
the cities that exercise an MRC's powers (`CA-QC-AGG-LAVAL`, `-GATINEAU`, ..., and the Jamésie
for Nord-du-Québec outside Kativik). Administrative regions stay typed in
`shared/territories.py`; this script checks that the file agrees with them, and fails rather
than write a municipality that would lie in two regions or in none.
"""

from __future__ import annotations

import argparse
import csv
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

from shared.territories import QUEBEC_REGIONS
from shared.text import fold

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "tools" / "data" / "quebec" / "municipalities.csv"
OUTPUT = ROOT / "shared" / "reference" / "quebec.tsv"

COLUMNS = (
    "code", "name", "designation", "region_code", "region_name", "division_code",
    "division_name", "mrc_code", "mrc_name", "population", "postal_code",
)  # fmt: skip
# Census divisions that are agglomerations in law (not every agglomeration is one: Mont-Laurier's
# or Cookshire-Eaton's lie inside an MRC and are not separate territories here).
AGGLOMERATIONS = {"01", "23", "58", "66", "90"}
# Where the census division's name is not the name of its part outside any MRC.
DIVISION_NAMES = {"37": "Trois-Rivières", "94": "Saguenay", "99": "Jamésie"}

Row = tuple[str, str, tuple[str, ...], str]  # code, name, parents, town hall postal code


def _key(name: str) -> str:
    """Names compared across sources: no accents, case, spaces, dashes or apostrophes."""
    return re.sub(r"[^a-z0-9]", "", fold(name))


def slug(name: str) -> str:
    """`Les Îles-de-la-Madeleine` → `LES-ILES-DE-LA-MADELEINE`."""
    return re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-").upper()


def _of(name: str) -> str:
    """French `de` before a name: `de Longueuil`, `des Îles-de-la-Madeleine`, `du Bic`."""
    for article, contracted in (("Les ", "des "), ("Le ", "du ")):
        if name.startswith(article):
            return contracted + name.removeprefix(article)
    return f"de {name}"


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = set(COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise SystemExit(f"{path}: columns missing: {sorted(missing)}")
        return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]


def check(rows: list[dict[str, str]]) -> None:
    """Fail on what would make a wrong reference: unknown regions, duplicate codes, MRCs or
    divisions astride two regions."""
    theirs = {row["region_code"]: row["region_name"] for row in rows}
    ours = {code: _key(name) for code, name in QUEBEC_REGIONS.items()}
    if {code: _key(name) for code, name in theirs.items()} != ours:
        raise SystemExit(f"regions differ from shared/territories.py: {sorted(theirs.items())}")
    codes = [row["code"] for row in rows]
    if len(set(codes)) != len(codes) or not all(re.fullmatch(r"\d{5}", c) for c in codes):
        raise SystemExit("geographic codes are not unique five-digit codes")
    regions_of: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        area = row["mrc_code"] or f"division {row['division_code']}"
        regions_of[area].add(row["region_code"])
    astride = {area: sorted(found) for area, found in regions_of.items() if len(found) > 1}
    if astride:
        raise SystemExit(f"territories astride two regions: {astride}")


def agglomeration(division_code: str, division_name: str) -> tuple[str, str]:
    """Code and name of the territory standing in for an MRC in a census division."""
    base = DIVISION_NAMES.get(division_code, division_name)
    if division_code in AGGLOMERATIONS:
        name = f"Agglomération {_of(base)}"
    else:
        name = f"{base} (territoire équivalent à une MRC)"
    return f"CA-QC-AGG-{slug(base)}", name


def build(rows: list[dict[str, str]]) -> list[Row]:
    check(rows)
    built: list[Row] = []
    areas: dict[str, tuple[str, str]] = {}  # code → (name, region)
    municipalities: list[Row] = []
    for row in sorted(rows, key=lambda r: r["code"]):
        if row["mrc_code"]:
            area = f"CA-QC-MRC-{row['mrc_code']}"
            areas[area] = (row["mrc_name"], row["region_code"])
        else:
            area, name = agglomeration(row["division_code"], row["division_name"])
            areas[area] = (name, row["region_code"])
        postal = re.sub(r"\s", "", row["postal_code"]).upper()
        municipalities.append((f"CA-QC-MUN-{row['code']}", row["name"], (area,), postal))
    for code, (name, region) in sorted(areas.items()):
        built.append((code, name, (f"CA-QC-RA-{region}",), ""))
    return built + municipalities


def lines(rows: Iterable[Row]) -> Iterator[str]:
    yield "# Generated by tools/build_quebec_territories.py; do not edit by hand."
    yield (
        "# Source: Répertoire des municipalités du Québec, © Gouvernement du Québec, Ministère des"
    )
    yield "# Affaires municipales et de l'Habitation, via Données Québec; licence CC BY 4.0."
    yield "# code<TAB>name<TAB>parents (comma-separated)<TAB>postal code of the town hall"
    for code, name, parents, postal in rows:
        yield f"{code}\t{name}\t{','.join(parents)}\t{postal}"


def write(rows: list[Row], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines(rows)) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    rows = build(read(args.source))
    write(rows, args.output)
    print(f"{len(rows)} territories written to {args.output}")


if __name__ == "__main__":
    main()
