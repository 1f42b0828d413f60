"""Benchmark of the matcher's profile index against evaluating every profile one by one.

    python -m benchmarks.matcher_index --profiles 10000 100000 1000000

Profiles and tenders are generated, deterministically from `--seed`: UNSPSC (Québec) and CPV
(France) codes from a hierarchical catalogue with a few popular sectors, profile prefixes at
depth 2/4/6/8, territories of every level the reference set has (municipality, agglomeration,
region, province; commune, department, region), 1–3 profiles per enterprise; some profiles also
want words of their sector (`any`, in the enterprise's language, a few `all`), veto a word
(`none`), or set filters (value range, categories, reserved-only), and a few have words and no
codes. Tenders carry 1–3 leaf codes (CPV with a check digit), sometimes lots, a place of
performance, or only a buyer territory, or nothing; a title and a description in French or
English made of their sector's words and common ones, an estimated value, a category, sometimes
a reservation. Words, filters and texts come from their own random streams, so codes and
territories are the same as without them.

Measured, never asserted on: build time; memory the index keeps, by tracemalloc over a build from
freshly generated enterprises that are dropped as they are indexed (so the strings the index
shares with them count); `candidates()` latency per tender; and the full scan with
`rules.evaluate_profile` on a sample of tenders (time-boxed), whose answers are also compared with
the index's. Results are printed as a Markdown table and written to docs/PERFORMANCE-matcher.md.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import gc
import os
import platform
import random
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pyroaring import BitMap

from matcher.index import ProfileIndex
from matcher.rules import fitting_profiles
from matcher.text import stemmed_text
from shared.enterprises import Enterprise
from shared.events import Tender
from shared.territories import REFERENCE

OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "PERFORMANCE-matcher.md"

# Popular sectors of social-economy enterprises first (cleaning, landscaping, catering, printing,
# building maintenance, moving, community services...), then the rest of the catalogue.
UNSPSC_SEGMENTS = [
    "76", "70", "90", "82", "72", "78", "93", "85", "86", "80", "47", "56", "53", "50", "81",
    "77", "84", "83", "91", "92", "94", "73", "71", "95", "43", "44", "45", "46", "49", "52",
    "55", "60", "10", "11", "12", "14", "15", "20", "21", "22", "23", "24", "25", "26", "27",
    "30", "31", "32", "39", "40", "41", "42", "48", "51",
]  # fmt: skip
CPV_DIVISIONS = [
    "90", "77", "55", "79", "85", "80", "45", "50", "60", "98", "92", "39", "15", "18", "22",
    "33", "34", "37", "44", "71", "72", "75", "03", "09", "14", "16", "19", "24", "30", "31",
    "32", "35", "38", "41", "42", "43", "48", "51", "63", "64", "65", "66", "70", "73", "76",
]  # fmt: skip
# Words of procurement notices by sector (French, English); a sector group's topic is its rank in
# the catalogue modulo the number of topics, so popular sectors get their own words.
TOPICS: list[tuple[list[str], list[str]]] = [
    (
        ["entretien ménager", "nettoyage", "conciergerie", "désinfection", "lavage des vitres"],
        ["janitorial services", "cleaning", "window washing", "disinfection", "custodial"],
    ),
    (
        ["déneigement", "entretien paysager", "tonte de gazon", "aménagement paysager", "élagage"],
        ["snow removal", "landscaping", "lawn mowing", "tree pruning", "grounds maintenance"],
    ),
    (
        ["traiteur", "repas", "cafétéria", "services alimentaires", "collations"],
        ["catering", "meals", "cafeteria", "food services", "snacks"],
    ),
    (
        ["impression", "imprimerie", "reprographie", "graphisme", "affichage"],
        ["printing", "copying", "graphic design", "signage", "posters"],
    ),
    (
        ["déménagement", "entreposage", "manutention", "livraison", "archives"],
        ["moving services", "storage", "warehousing", "delivery", "records"],
    ),
    (
        ["rénovation", "peinture", "menuiserie", "réfection de toiture", "bâtiments"],
        ["renovation", "painting", "carpentry", "roofing", "buildings"],
    ),
    (
        ["recyclage", "collecte des déchets", "compostage", "matières résiduelles", "tri"],
        ["recycling", "waste collection", "composting", "solid waste", "sorting"],
    ),
    (
        ["mobilier de bureau", "fournitures de bureau", "informatique", "réemploi", "ordinateurs"],
        ["office furniture", "office supplies", "computers", "refurbished", "laptops"],
    ),
    (
        ["insertion professionnelle", "formation", "accompagnement", "services sociaux"],
        ["job training", "employment services", "social services", "counselling"],
    ),
    (
        ["couture", "uniformes", "textiles", "blanchisserie", "vêtements de travail"],
        ["sewing", "uniforms", "textiles", "laundry", "workwear"],
    ),
]
COMMON = (
    [
        *["services", "contrat", "municipal", "ville", "travaux", "fourniture", "année"],
        *["lots", "prestations", "marché", "public", "des", "de", "la", "le", "pour", "et"],
        *["du", "sur", "les", "bâtiments", "municipaux", "durée"],
    ],
    [
        *["services", "contract", "municipal", "city", "works", "supply", "year", "lots"],
        *["provision", "public", "tender", "of", "the", "for", "and", "to", "on", "in"],
        *["buildings", "term"],
    ],
)
CATEGORIES = ["services", "goods", "works"]
DEPTHS = [2, 4, 6, 8]
DEPTH_WEIGHTS = [10, 35, 35, 20]
STARTED = time.perf_counter()
DEADLINE = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0).isoformat()


def _zipf(count: int) -> list[float]:
    return [1 / (rank + 1) for rank in range(count)]


@dataclass(frozen=True)
class Catalogue:
    """Leaf codes per top-level group (segment or division), and group popularity."""

    groups: list[str]
    weights: list[float]
    leaves: dict[str, list[str]]

    def pick_group(self, rng: random.Random) -> str:
        return rng.choices(self.groups, self.weights)[0]


def unspsc_catalogue(rng: random.Random) -> Catalogue:
    leaves: dict[str, list[str]] = {}
    for segment in UNSPSC_SEGMENTS:
        codes = []
        for family in rng.sample(range(10, 30), rng.randint(4, 8)):
            for klass in rng.sample(range(10, 25), rng.randint(3, 6)):
                for commodity in [0, *rng.sample(range(1, 20), rng.randint(2, 6))]:
                    codes.append(f"{segment}{family:02d}{klass:02d}{commodity:02d}")
        leaves[segment] = codes
    return Catalogue(UNSPSC_SEGMENTS, _zipf(len(UNSPSC_SEGMENTS)), leaves)


def cpv_catalogue(rng: random.Random) -> Catalogue:
    leaves: dict[str, list[str]] = {}
    for division in CPV_DIVISIONS:
        codes = []
        for group in rng.sample(range(1, 10), rng.randint(2, 5)):
            for klass in [0, *rng.sample(range(1, 10), rng.randint(1, 3))]:
                for category in [0, *rng.sample(range(1, 10), rng.randint(1, 3))]:
                    for rest in ["000", *(str(n) for n in rng.sample(range(100, 999), 2))]:
                        codes.append(f"{division}{group}{klass}{category}{rest}")
        leaves[division] = codes
    return Catalogue(CPV_DIVISIONS, _zipf(len(CPV_DIVISIONS)), leaves)


def _level(code: str) -> str:
    for marker, level in [
        ("-MUN-", "municipality"),
        ("-COM-", "municipality"),
        ("-AGG-", "agglomeration"),
        ("-MRC-", "agglomeration"),  # a Québec MRC: the level between municipality and region
        ("-DEP-", "agglomeration"),  # a French department plays the agglomeration's part here
        ("-RA-", "region"),
        ("-REG-", "region"),
    ]:
        if marker in code:
            return level
    return "province" if code.count("-") == 1 else "country"


@dataclass(frozen=True)
class Area:
    """The territories of one country, by level, and the catalogue its buyers use."""

    scheme: str
    catalogue: Catalogue
    by_level: dict[str, list[str]]
    unknown_places: list[str]

    def territory(self, rng: random.Random) -> str:
        levels = ["municipality", "agglomeration", "region", "province"]
        weights = [35, 20, 35, 10]
        available = [(lv, w) for lv, w in zip(levels, weights, strict=True) if self.by_level[lv]]
        level = rng.choices([lv for lv, _ in available], [w for _, w in available])[0]
        return rng.choice(self.by_level[level])


def areas(rng: random.Random) -> tuple[Area, Area]:
    def of(country: str) -> dict[str, list[str]]:
        levels: dict[str, list[str]] = {
            "municipality": [],
            "agglomeration": [],
            "region": [],
            "province": [],
        }
        for code in sorted(REFERENCE):
            level = _level(code)
            if code.startswith(country) and level in levels:
                levels[level].append(code)
        if country == "FR":
            levels["province"].append("FR")
        return levels

    quebec = Area("UNSPSC", unspsc_catalogue(rng), of("CA-"), ["CA-QC-MUN-99999"])
    # eForms notices give NUTS 3 codes: the reference knows them as the departments' twins.
    france = Area("CPV", cpv_catalogue(rng), of("FR"), ["FRH03", "FRH04"])
    return quebec, france


def _topic(area: Area, group: str, language: str) -> list[str]:
    french, english = TOPICS[area.catalogue.groups.index(group) % len(TOPICS)]
    return french if language == "fr" else english


def _add_words(
    rng: random.Random, profile: dict[str, Any], area: Area, sectors: list[str], language: str
) -> None:
    """Words and filters: 30 % want words besides codes, 5 % words alone (their codes dropped),
    3 % veto a word, 6 % a value range, 5 % categories, 2 % reserved-only."""
    words = [w for sector in sectors for w in _topic(area, sector, language)]
    draw = rng.random()
    if draw < 0.35:
        wanted = rng.sample(words, rng.randint(1, 3))
        if draw < 0.05:
            profile["codes"] = []
        if rng.random() < 0.1 and len(wanted) > 1:
            profile["keywords"] = {"any": wanted[1:], "all": wanted[:1]}
        else:
            profile["keywords"] = {"any": wanted}
    if rng.random() < 0.03:
        other = rng.choice(TOPICS)[0 if language == "fr" else 1]
        profile.setdefault("keywords", {})["none"] = [rng.choice(other)]
    if rng.random() < 0.06:
        currency = "EUR" if area.scheme == "CPV" else "CAD"
        bounds = {"max": rng.choice([25_000, 100_000, 500_000, 2_000_000])}
        if rng.random() < 0.3:
            bounds["min"] = bounds["max"] // 10
        profile["value_range"] = {"currency": currency, **bounds}
    if rng.random() < 0.05:
        profile["categories"] = rng.sample(CATEGORIES, rng.randint(1, 2))
    if rng.random() < 0.02:
        profile["reserved_only"] = True


def enterprises(count_profiles: int, seed: int, words: bool = True) -> Iterator[Enterprise]:
    """Enterprises whose profiles add up to `count_profiles`; the same ones for the same seed.

    `words=False`: codes and territories only (the same ones)."""
    rng = random.Random(seed)
    word_rng = random.Random(seed + 3)
    quebec, france = areas(random.Random(seed + 1))
    made = 0
    number = 0
    while made < count_profiles:
        area = quebec if rng.random() < 0.7 else france
        sectors = [area.catalogue.pick_group(rng) for _ in range(rng.choice([1, 1, 2]))]
        count = min(rng.choices([1, 2, 3], [50, 30, 20])[0], count_profiles - made)
        profiles: list[dict[str, Any]] = []
        for n in range(count):
            codes = []
            for _ in range(rng.choices([1, 2, 3, 4], [40, 30, 20, 10])[0]):
                leaf = rng.choice(area.catalogue.leaves[rng.choice(sectors)])
                depth = rng.choices(DEPTHS, DEPTH_WEIGHTS)[0]
                codes.append({"scheme": area.scheme, "prefix": leaf[:depth]})
            territories = []
            if rng.random() >= 0.15:
                territories = list({area.territory(rng) for _ in range(rng.randint(1, 3))})
            profiles.append(
                {
                    "id": f"p{n + 1}",
                    "codes": codes,
                    "territories": territories,
                    "include_unknown_location": bool(territories) and rng.random() < 0.2,
                }
            )
        number += 1
        made += count
        language = "fr" if area is france or rng.random() < 0.8 else "en"
        if words:
            for profile in profiles:
                _add_words(word_rng, profile, area, sectors, language)
        yield Enterprise.model_validate(
            {
                "id": f"ent-{number:07d}",
                "name": f"Entreprise {number}",
                "social_economy": {"kind": "cooperative"},
                "contacts": {},
                "language": language,
                "profiles": profiles,
            }
        )


def _code(rng: random.Random, area: Area) -> dict[str, str]:
    return _code_of_group(rng, area)[0]


def _code_of_group(rng: random.Random, area: Area) -> tuple[dict[str, str], str]:
    group = area.catalogue.pick_group(rng)
    leaf = rng.choice(area.catalogue.leaves[group])
    if area.scheme == "CPV":
        leaf = f"{leaf}-{rng.randint(0, 9)}"  # the check digit, which matching ignores
    return {"scheme": area.scheme, "code": leaf}, group


def _text(rng: random.Random, topic: list[str], language: str, size: int) -> str:
    """`size` words or phrases, from the sector's words (a third) and common ones."""
    common = COMMON[0 if language == "fr" else 1]
    return " ".join(
        rng.choice(topic) if rng.random() < 0.33 else rng.choice(common) for _ in range(size)
    )


def _words_of_tender(rng: random.Random, area: Area, group: str) -> dict[str, Any]:
    """Title, description, language, value, category, reservation, from their own stream."""
    language = "fr" if area.scheme == "CPV" or rng.random() < 0.85 else "en"
    topic = _topic(area, group, language)
    if rng.random() < 0.2:  # a notice that also touches another sector
        topic = topic + rng.choice(TOPICS)[0 if language == "fr" else 1]
    title = f"{rng.choice(topic)} {_text(rng, topic, language, rng.randint(1, 4))}"
    words: dict[str, Any] = {
        "title": title[:1].upper() + title[1:],
        "description": _text(rng, topic, language, rng.randint(10, 60)),
        "language": language,
    }
    if rng.random() < 0.7:
        amount = round(10 ** rng.uniform(3.5, 6.5), 2)
        currency = "EUR" if area.scheme == "CPV" else "CAD"
        words["estimated_value"] = {"amount": str(amount), "currency": currency}
    if rng.random() < 0.8:
        words["category"] = rng.choices(CATEGORIES, [60, 25, 15])[0]
    if rng.random() < 0.1:
        words["reserved_for"] = [rng.choice(["social_economy", "sheltered", "insertion"])]
    return words


def tenders(count: int, seed: int) -> list[Tender]:
    rng = random.Random(seed + 2)
    word_rng = random.Random(seed + 4)
    quebec, france = areas(random.Random(seed + 1))
    made: list[Tender] = []
    for number in range(count):
        area = quebec if rng.random() < 0.7 else france
        municipalities = area.by_level["municipality"]
        draw = rng.random()
        place: list[str] = []
        buyer: list[str] = []
        if draw < 0.65:
            place = [rng.choice(municipalities)]
            buyer = list(place)
        elif draw < 0.75:
            place = [rng.choice(area.by_level["region"])]
        elif draw < 0.85:
            place = [rng.choice(area.unknown_places)]
        elif draw < 0.95:
            buyer = [rng.choice(municipalities)]
        lots = []
        if rng.random() < 0.15:
            lots = [
                {"id": str(n), "title": f"Lot {n}", "classifications": [_code(rng, area)]}
                for n in range(1, rng.randint(2, 4) + 1)
            ]
        coded = [_code_of_group(rng, area) for _ in range(rng.choices([1, 2, 3], [60, 30, 10])[0])]
        made.append(
            Tender.model_validate(
                {
                    "source": "bench",
                    "source_id": f"T-{number}",
                    **_words_of_tender(word_rng, area, coded[0][1]),
                    "buyer": {"name": "Acheteur public", "territories": buyer},
                    "place_of_performance": place,
                    "classifications": [code for code, _ in coded],
                    "lots": lots,
                    "published_at": "2026-11-20T14:00:00+00:00",
                    "submission_deadline": DEADLINE,
                    "deadline_timezone": "America/Toronto",
                }
            )
        )
    return made


def _latency(index: ProfileIndex, tender: Tender) -> tuple[float, set[tuple[str, str]]]:
    """Milliseconds of `candidates(tender)`: the median of three runs, each stemming the text anew.

    The median, so that another process taking the CPU during one run (the machine is shared)
    does not count as the index's time; the cache of stemmed texts emptied before each run, so
    that every run pays what a new tender costs (words and profiles' phrases already seen stay
    stemmed, as in a live matcher).
    """
    runs: list[float] = []
    result: set[tuple[str, str]] = set()
    for _ in range(3):
        stemmed_text.cache_clear()
        started = time.perf_counter()
        result = index.candidates(tender)
        runs.append((time.perf_counter() - started) * 1000)
    return statistics.median(runs), result


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            *("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks"),
            *("uordblks", "fordblks", "keepcost"),
        )
    ]


def _malloc_in_use() -> Callable[[], int] | None:
    """glibc's bytes in use by `malloc`, or None where there is no `mallinfo2` (glibc < 2.33)."""
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name) if name else None
    mallinfo2 = getattr(libc, "mallinfo2", None)
    if mallinfo2 is None:
        return None
    mallinfo2.restype = _MallInfo2

    def in_use() -> int:
        info = mallinfo2()
        return int(info.uordblks + info.hblkhd)

    return in_use


def native_bytes(index: ProfileIndex) -> int:
    """What Roaring allocates with C's `malloc` for the index's bitmaps, which tracemalloc misses.

    Measured as the growth of glibc's bytes in use while copying every bitmap (a copy allocates
    what the original holds, shrunk to fit as `build` leaves them); 0 where it cannot be measured.
    """
    in_use = _malloc_in_use()
    if in_use is None:
        return 0
    originals = index.bitmaps()
    copies: list[BitMap | None] = [None] * len(originals)  # allocated before measuring
    before = in_use()
    for position, bitmap in enumerate(originals):
        copies[position] = BitMap(bitmap)
    return max(0, in_use() - before)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@dataclass
class Row:
    profiles: int
    enterprises: int
    build_s: float
    memory_bytes: int | None
    candidates_mean: float
    candidates_max: int
    p50_ms: float
    p99_ms: float
    scan_ms: float
    scan_tenders: int
    speedup: float
    agree: bool

    def cells(self) -> list[str]:
        memory = "–" if self.memory_bytes is None else f"{self.memory_bytes / 2**20:,.0f}"
        per_profile = "–"
        if self.memory_bytes is not None:
            per_profile = f"{self.memory_bytes / self.profiles:,.0f}"
        return [
            f"{self.profiles:,}",
            f"{self.enterprises:,}",
            f"{self.build_s:.1f}",
            memory,
            per_profile,
            f"{self.candidates_mean:,.0f} / {self.candidates_max:,}",
            f"{self.p50_ms:.3f}",
            f"{self.p99_ms:.3f}",
            f"{self.scan_ms:,.0f} ({self.scan_tenders})",
            f"{self.speedup:,.0f}×",
            "yes" if self.agree else "NO",
        ]


HEADER = [
    "profiles",
    "enterprises",
    "build (s)",
    "index memory (MiB)",
    "bytes / profile",
    "matches / tender (mean / max)",
    "candidates() p50 (ms)",
    "p99 (ms)",
    "full scan / tender (ms) (tenders)",
    "speed-up (median)",
    "same answers",
]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def measure(count: int, ts: list[Tender], seed: int, scan_budget: float, memory: bool) -> Row:
    ents = list(enterprises(count, seed))
    log(f"[{count:,}] {len(ents):,} enterprises generated")
    gc.collect()
    started = time.perf_counter()
    index = ProfileIndex.build(ents)
    build_s = time.perf_counter() - started
    log(f"[{count:,}] built in {build_s:.1f} s: {index.stats()}")

    memory_bytes: int | None = None
    if memory:
        del index
        gc.collect()
        tracemalloc.start()
        index = ProfileIndex.build(enterprises(count, seed))
        gc.collect()
        memory_bytes = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        native = native_bytes(index)
        mib = memory_bytes / 2**20, native / 2**20
        log(
            f"[{count:,}] index keeps {mib[0]:,.0f} MiB of Python objects, {mib[1]:,.0f} of bitmaps"
        )
        memory_bytes += native

    for tender in ts[:50]:  # warm-up
        index.candidates(tender)
    latencies: list[float] = []
    sizes: list[int] = []
    for tender in ts:
        latency, result = _latency(index, tender)
        latencies.append(latency)
        sizes.append(len(result))

    scan_ms: list[float] = []
    index_ms: list[float] = []
    agree = True
    deadline = time.perf_counter() + scan_budget
    for tender in ts:
        started = time.perf_counter()
        expected = fitting_profiles(ents, tender)
        scan_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        got = index.candidates(tender)
        index_ms.append((time.perf_counter() - started) * 1000)
        agree = agree and got == expected
        if time.perf_counter() > deadline and len(scan_ms) >= 3:
            break
    log(f"[{count:,}] full scan on {len(scan_ms)} tenders")
    return Row(
        profiles=len(index),
        enterprises=len(ents),
        build_s=build_s,
        memory_bytes=memory_bytes,
        candidates_mean=statistics.fmean(sizes),
        candidates_max=max(sizes),
        p50_ms=_percentile(latencies, 0.5),
        p99_ms=_percentile(latencies, 0.99),
        scan_ms=statistics.median(scan_ms),
        scan_tenders=len(scan_ms),
        speedup=statistics.median(scan_ms) / max(statistics.median(index_ms), 1e-9),
        agree=agree,
    )


def table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    return "\n".join(lines)


def _load() -> str:
    return " / ".join(f"{value:.1f}" for value in os.getloadavg())  # 1, 5, 15 minutes


LOAD_AT_START = _load()


def document(rows: list[Row], tender_count: int, seed: int, scan_budget: float) -> str:
    sizes = " ".join(str(row.profiles) for row in rows)
    load_before, load_after = LOAD_AT_START, _load()
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux
    minutes = (time.perf_counter() - STARTED) / 60
    return f"""# Matcher performance: the profile index

Measured by `python -m benchmarks.matcher_index --profiles {sizes}` (seed {seed}) on
{datetime.now(UTC):%Y-%m-%d}: Python {platform.python_version()}, {os.cpu_count()} CPU(s),
{platform.system()} {platform.machine()}; the whole run took {minutes:.1f} min and peaked at
{peak_rss:.2f} GiB resident, most of it the generated pydantic enterprises the full scan needs.
Numbers are measured, never asserted on; rerun the command to refresh this page.

{table(rows)}

{goals(rows)}

What the index does: every profile field is answered exactly. Each profile is an ordinal, and
every set of profiles a Roaring bitmap (`pyroaring`): per condition (codes, keyword stems per
Snowball stemmer, territories) key → profiles, and the profiles that do not set it; a query is
unions and intersections of those in C. What keys cannot settle (a phrase's words in order,
`all`, `none`, value range, categories, reserved-only) is checked afterwards by the rules' own
functions, once per distinct check among the fitting profiles, and the bitmaps of the checks
that fail are subtracted. The answer is then mapped from ordinals to (enterprise id, profile id)
pairs.

Reading the numbers: `candidates()` works on bitmaps, and looks at profiles one by one only among
those their keys let through, so its time follows the size of its answer, not the number of
profiles: making the set of pairs, the distinct checks of the fitting profiles, and the bitmap
algebra, in that order at 1,000,000 profiles (see "What bounds candidates()" below). Its p99 is the
tenders that concern several percent of all profiles: a popular sector that many profiles follow at
depth 2, and lots adding codes. The generated population is deliberately broad; real profiles would
make answers smaller. Each tender's time is the median of three runs, each stemming its text anew
(words and profiles' phrases stay stemmed, as in a live matcher), so that another process taking the
CPU during one run does not count as the index's time: the machine is shared (load average
{load_before} at the start of this run, {load_after} at its end, on {os.cpu_count()} CPU(s)).

- **profiles / enterprises**: generated, 1–3 profiles per enterprise, 70 % Québec (UNSPSC) and 30 %
  France (CPV); 1–4 code prefixes per profile at depth 2/4/6/8 (10/35/35/20 %) within one or two
  sectors, popular sectors first (Zipf); 85 % of profiles list 1–3 territories of the reference set
  (municipality — in France any of its 38,000 communes —, agglomeration, MRC or department, region,
  province), 20 % of those also accept tenders of unknown location. Words of their sectors, in the
  enterprise's language (ten sector vocabularies of about five French and five English words or
  phrases): 30 % of profiles want 1–3 of them (`any`; a tenth of those make one `all`) besides
  codes, 5 % want them without codes; 3 % veto a word of some sector (`none`); 6 % set a value
  range, 5 % categories, 2 % reserved-only. Codes and territories are the same as without words.
- **tenders**: {tender_count} generated, 1–3 leaf codes (CPV with a check digit), 15 % with 2–4
  lots; place of performance a municipality (65 %), a region (10 %), a code outside the reference
  set (Québec) or a NUTS 3 code (France) (10 %), only a buyer territory (10 %) or nothing (5 %).
  French (all of France's, 85 % of Québec's) or English; a title of 2–5 and a description of
  10–60 words or phrases, a third from the sector of the first code (a fifth of tenders add
  another sector's), the rest common words; an estimated value for 70 %, a category for 80 %,
  a reservation for 10 %.
- **build**: `ProfileIndex.build` over enterprises already in memory.
- **index memory**: what the index keeps after a build from enterprises generated on the fly and
  dropped once indexed: its Python objects by `tracemalloc` (the id and territory strings it
  shares count), plus what Roaring allocates with C's `malloc`, which `tracemalloc` does not see:
  the growth of glibc's bytes in use (`mallinfo2`) while copying every bitmap of the index.
- **matches / tender**: mean size of the answer of `candidates()`.
- **candidates()**: latency per tender over all {tender_count} tenders, after a warm-up; the
  median of three runs of each, the cache of stemmed texts emptied before every run.
- **full scan**: (a) `evaluate_profile` on every profile of every enterprise, median per tender,
  on as many tenders as fit in {scan_budget:.0f} s (at least 3); the speed-up compares medians on
  those same tenders, and "same answers" says whether the index returned exactly the scan's
  pairs on each.
- (b) one MongoDB query per tender: see below when measured.
"""


def _p99_within(milliseconds: float) -> Callable[[Row], bool]:
    return lambda row: row.p99_ms <= milliseconds


def _memory_within(per_profile: int) -> Callable[[Row], bool]:
    return lambda row: row.memory_bytes is None or row.memory_bytes <= per_profile * row.profiles


def _faster(times: float) -> Callable[[Row], bool]:
    return lambda row: row.speedup >= times


GOALS: list[tuple[str, int | None, Callable[[Row], bool]]] = [
    ("candidates() p99 ≤ 5 ms at 100,000 profiles", 100_000, _p99_within(5)),
    ("candidates() p99 ≤ 50 ms at 1,000,000 profiles", 1_000_000, _p99_within(50)),
    ("≤ 2 KB of index memory a profile", None, _memory_within(2048)),
    ("≥ 100× faster than the full scan at 100,000 profiles", 100_000, _faster(100)),
]


def goals(rows: list[Row]) -> str:
    lines = ["Goals, against this run:", ""]
    for text, size, met in GOALS:
        measured = [row for row in rows if size is None or row.profiles == size]
        if not measured:
            verdict = "not measured in this run"
        else:
            verdict = "met" if all(met(row) for row in measured) else "**not met**"
        lines.append(f"- {text}: {verdict}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--profiles", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--tenders", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--scan-seconds", type=float, default=20.0, help="time box of the scan")
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc build")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="Markdown file to write")
    parser.add_argument("--no-write", action="store_true", help="only print the table")
    args = parser.parse_args(argv)

    ts = tenders(args.tenders, args.seed)
    rows = []
    for count in args.profiles:
        rows.append(measure(count, ts, args.seed, args.scan_seconds, not args.no_memory))
        print(table(rows[-1:]).splitlines()[-1], flush=True)
    print()
    print(table(rows))
    if not args.no_write:
        # Sections written by hand or by other benchmarks (`## ...`) are kept.
        kept = args.output.read_text() if args.output.exists() else ""
        kept = kept[kept.index("\n## ") :] if "\n## " in kept else ""
        page = document(rows, args.tenders, args.seed, args.scan_seconds) + kept
        args.output.write_text(page)
        print(f"\nwritten to {args.output.name}")


if __name__ == "__main__":
    main()
