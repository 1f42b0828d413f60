"""In-memory inverted index of alert profiles: which profiles fit a tender, without a full scan.

This is the percolator problem (Elasticsearch's percolator, Lucene Monitor): the stored queries
are the alert profiles and each tender is a document run against all of them. The index answers
the profile-fit question of `matcher.rules.evaluate_profile` — exactly the same (enterprise id,
profile id) pairs, on every field of a profile — and leaves eligibility (`rules.is_eligible`),
scores and reasons to the rules, which the caller runs on the few candidates only.

Conditions
    A profile sets a few conditions; each is a disjunction over string keys: it holds when one of
    the profile's keys is among the keys the tender produces for that condition.

    - code (set when the profile has codes): profile keys `UNSPSC:7611` (scheme, prefix); tender
      keys every prefix of every normalised code of the tender and its lots
      (`rules.normalise_code`, so the CPV check digit is dropped), which turns `startswith` into
      key equality. Exact.
    - keyword (set when the profile has `any` or `all` words): keys on word stems, per Snowball
      stemmer, since a phrase is stemmed as the tender's language is (`french=menag`). Two stems
      agree when equal or when the shorter, of four letters or more, begins the other; the keys
      of `text.text_stem_keys` (tender) and `text.phrase_stem_keys` (profile) meet exactly then.
      A profile keys one stem of a phrase, its longest: of one of its `all` phrases when it has
      some (all are needed), else of each of its `any` phrases. That is necessary for the words
      to be found, and sufficient only for single-word `any` lists; see Verification.
    - territory (set when the profile lists territories): profile keys its territories, plus `?`
      when it accepts tenders of unknown location; tender keys every place of performance (else
      every buyer territory) with all their ancestors, or `?` when there is none. Exact.

    A profile fits when every condition it sets holds, and it must set code or keyword: a profile
    with neither, or with a condition set but no key for it, never fits and gets no postings, as
    under the rules.

Postings
    Each profile gets an ordinal, a small integer, and every set of profiles is a compressed
    bitmap of ordinals (`pyroaring.BitMap`, Roaring: sorted arrays for sparse chunks of 65,536
    ordinals, plain bitsets for dense ones, and unions and intersections between them in C, with
    SIMD). Per condition: key → ordinals of the profiles with that key, and the ordinals of the
    profiles that do not set the condition (`unset`), which it lets through. A query is then set
    algebra, with no Python work per profile:

        held[c]  = union of the postings of condition c hit by the tender's keys
        fitting  = (held[code] | held[keyword])             every profile needs one of them
                   & (held[c] | unset[c])  for each condition c
                   - dead

    Lookups per tender: one per prefix of each code, per ancestor of each place and per key of
    each distinct text stem (its whole and its prefixes of four letters or more). A condition no
    profile sets has no postings, and its tender keys are not even computed (stemming the text
    is the costly part).

Verification
    What keys cannot say exactly is checked afterwards on the candidates, as Lucene Monitor does
    after its presearcher, by the rules' own `keywords_hold` and `filters_hold`: whether every
    word of a phrase is there and in order, every `all` phrase, no `none` phrase; the value range,
    categories and reserved-only filters. Only profiles that need it carry words (`_Words`) or
    filters (`_Filters`) to check, interned so that profiles with the same ones share them (word
    lists sorted: to the rules they are sets), and each distinct check keeps the bitmap of its
    profiles. A query takes the checks of the fitting profiles among those that carry some (a
    C-level map and set over their ordinals), runs each distinct one once, and subtracts the
    bitmaps of those that fail. A tender's phrases are each looked for once
    (`rules.phrase_finder`) in its text's stem positions (`text.StemmedText`, cached), and words
    are stemmed once per process (`text.stems`, cached per phrase and per word).

Answer
    The fitting ordinals become (enterprise id, profile id) pairs, kept per ordinal as the very
    tuples returned: a C-level map from the bitmap's array. Building that set of pairs is most
    of what a query with a large answer costs.

Updates
    `upsert` appends the enterprise's profiles under fresh ordinals and marks the old ones dead;
    `remove` marks them dead. Dead ordinals are subtracted from answers (one bitmap difference)
    and dropped, with ordinals renumbered, once they are a quarter of the table (amortised O(1)
    per update).

Memory
    No pydantic object is kept. Per ordinal: the (enterprise id, profile id) tuple, a byte of
    condition mask, references to its words and filters to check (the shared `NO_WORDS` and
    `NO_FILTERS` for most), and per condition a tuple of interned keys shared by every profile
    with the same keys (for compaction). Postings cost 2 bytes an entry in sparse chunks and at
    most 1 bit a profile in dense ones, plus some 200 bytes a key (measured: 48 for the Python
    object, 144 that Roaring allocates with C's `malloc`, which `tracemalloc` does not see); each
    enterprise has one `range` (its ordinals are contiguous).

More condition kinds are further entries of `CONDITIONS`: a key function for profiles (None when
the profile does not set the condition) and one for tenders; keys may over-approximate as long as
the check settles the rest. The index is not thread-safe; the matcher uses it from one event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from pyroaring import BitMap

from matcher.rules import (
    Bounds,
    PhraseFinder,
    filters_hold,
    keywords_hold,
    normalise_code,
    phrase_finder,
    tender_codes,
    tender_places,
    tender_text,
    value_bounds,
)
from matcher.text import LANGUAGE_OF_STEMMER, phrase_stem_keys, stemmed_text, stemmer_name, stems
from shared.enterprises import AlertProfile, Enterprise
from shared.events import Tender
from shared.territories import expand

Keys = tuple[str, ...]
Postings = dict[str, BitMap]

UNKNOWN_LOCATION = "?"  # not a valid territory code, so it cannot collide with one


@dataclass(frozen=True, slots=True)
class Condition:
    """One kind of condition a profile may set, as keys on both sides."""

    name: str
    profile_keys: Callable[[AlertProfile], Iterable[str] | None]  # None: condition not set
    tender_keys: Callable[[Tender], set[str]]
    # A profile must set at least one "wanted" condition (codes, words) to fit anything.
    wanted: bool = False


def _code_key(scheme: str, prefix: str) -> str:
    return f"{scheme}:{prefix}"


def _profile_code_keys(profile: AlertProfile) -> Iterable[str] | None:
    if not profile.codes:
        return None
    return [_code_key(str(wanted.scheme), wanted.prefix) for wanted in profile.codes]


def _tender_code_keys(tender: Tender) -> set[str]:
    keys: set[str] = set()
    for classification in tender_codes(tender):
        scheme = str(classification.scheme)
        code = normalise_code(classification.scheme, classification.code)
        # Length 0 too: `code.startswith("")` holds, should an empty prefix ever get in.
        keys.update(_code_key(scheme, code[:length]) for length in range(len(code) + 1))
    return keys


def _profile_keyword_keys(profile: AlertProfile) -> Iterable[str] | None:
    wanted = profile.keywords
    if not (wanted.any or wanted.all):
        return None
    keys: list[str] = []
    for stemmer, language in LANGUAGE_OF_STEMMER.items():
        longest = [max(stems(phrase, language), key=len, default=None) for phrase in wanted.all]
        if wanted.all:
            if None in longest:
                continue  # an `all` phrase without a word is never found
            chosen = [max(filter(None, longest), key=len)]
        else:
            chosen = [
                stem
                for phrase in wanted.any
                if (stem := max(stems(phrase, language), key=len, default=None)) is not None
            ]
        keys += [stemmer + key for stem in chosen for key in phrase_stem_keys(stem)]
    return keys


def _tender_keyword_keys(tender: Tender) -> set[str]:
    stemmer = stemmer_name(tender.language)
    return {stemmer + key for key in stemmed_text(tender_text(tender), tender.language).positions}


def _profile_territory_keys(profile: AlertProfile) -> Iterable[str] | None:
    if not profile.territories:
        return None
    unknown = [UNKNOWN_LOCATION] if profile.include_unknown_location else []
    return [*profile.territories, *unknown]


def _tender_territory_keys(tender: Tender) -> set[str]:
    places = tender_places(tender)
    return expand(places) if places else {UNKNOWN_LOCATION}


CONDITIONS: tuple[Condition, ...] = (
    Condition("code", _profile_code_keys, _tender_code_keys, wanted=True),
    Condition("keyword", _profile_keyword_keys, _tender_keyword_keys, wanted=True),
    Condition("territory", _profile_territory_keys, _tender_territory_keys),
)
if len(CONDITIONS) > 8:
    raise RuntimeError(
        "condition masks are stored in one byte a profile: widen ProfileIndex._masks"
    )
_WANTED = sum(1 << bit for bit, condition in enumerate(CONDITIONS) if condition.wanted)
_WANTED_BITS = [bit for bit, condition in enumerate(CONDITIONS) if condition.wanted]


# Checks are compared by identity (`eq=False`: hashing is C's), so that a query meets each
# distinct one once; the index interns them, so profiles with the same words or filters share.
@dataclass(frozen=True, slots=True, eq=False)
class _Words:
    """Wanted and vetoed phrases, checked whole."""

    any: Keys
    all: Keys
    none: Keys

    def hold(self, has: PhraseFinder) -> bool:
        return keywords_hold(self.any, self.all, self.none, has)


@dataclass(frozen=True, slots=True, eq=False)
class _Filters:
    reserved_only: bool
    categories: Keys
    bounds: Bounds | None

    def hold(self, tender: Tender) -> bool:
        return filters_hold(tender, self.reserved_only, self.categories, self.bounds)


NO_WORDS = _Words((), (), ())
NO_FILTERS = _Filters(False, (), None)
_Check = TypeVar("_Check", _Words, _Filters)


def _words_need_check(profile: AlertProfile) -> bool:
    """False when the keys say it all: no `all` or `none`, and one-word `any` phrases."""
    wanted = profile.keywords
    if wanted.all or wanted.none:
        return True
    return any(
        len(stems(phrase, language)) > 1
        for phrase in wanted.any
        for language in LANGUAGE_OF_STEMMER.values()
    )


def _has_filters(profile: AlertProfile) -> bool:
    return profile.reserved_only or bool(profile.categories) or profile.value_range is not None


def _union(bitmaps: Sequence[BitMap]) -> BitMap:
    """A new bitmap, never one of those given (the query changes it in place)."""
    return BitMap.union(*bitmaps) if bitmaps else BitMap()


class ProfileIndex:
    """All alert profiles of all enterprises, indexed for `candidates(tender)`."""

    def __init__(self, *, compact_min: int = 4096) -> None:
        """`compact_min`: dead ordinals tolerated before compaction is even considered."""
        self._compact_min = max(1, compact_min)
        self._reset()

    def _reset(self) -> None:
        # Per profile ordinal: (enterprise id, profile id), mask of the conditions it sets, keys
        # of each condition, words and filters to check (NO_WORDS, NO_FILTERS: nothing to check).
        self._pairs: list[tuple[str, str]] = []
        self._masks = bytearray()
        self._forward: list[list[Keys]] = [[] for _ in CONDITIONS]
        self._words_of: list[_Words] = []
        self._filters_of: list[_Filters] = []
        # Per condition: key → ordinals, and the ordinals of profiles that do not set it.
        self._postings: list[Postings] = [{} for _ in CONDITIONS]
        self._unset: list[BitMap] = [BitMap() for _ in CONDITIONS]
        # Ordinals with words, with filters to check; and the ordinals of each distinct check.
        self._worded = BitMap()
        self._filtered = BitMap()
        self._holders: dict[_Words | _Filters, BitMap] = {}
        self._dead = BitMap()
        self._ranges: dict[str, range] = {}
        self._strings: dict[str, str] = {}
        self._tuples: dict[Keys, Keys] = {}
        self._word_table: dict[tuple[Keys, Keys, Keys], _Words] = {((), (), ()): NO_WORDS}
        self._filter_table: dict[tuple[bool, Keys, Bounds | None], _Filters] = {
            (False, (), None): NO_FILTERS
        }

    @classmethod
    def build(cls, enterprises: Iterable[Enterprise], *, compact_min: int = 4096) -> ProfileIndex:
        index = cls(compact_min=compact_min)
        for enterprise in enterprises:
            index.upsert(enterprise)
        index._shrink()
        return index

    def __len__(self) -> int:
        return len(self._pairs) - len(self._dead)

    def __contains__(self, enterprise_id: object) -> bool:
        return enterprise_id in self._ranges

    def upsert(self, enterprise: Enterprise) -> None:
        """Index the enterprise's profiles in place of any it had."""
        rows = [self._row(profile) for profile in enterprise.profiles]  # may raise: nothing done
        self._drop(enterprise.id)
        start = len(self._pairs)
        for profile_id, mask, keys, words, filters in rows:
            self._append(enterprise.id, profile_id, mask, keys, words, filters)
        self._ranges[enterprise.id] = range(start, len(self._pairs))
        self._maybe_compact()

    def remove(self, enterprise_id: str) -> None:
        """Forget the enterprise's profiles; an unknown id is not an error (idempotent)."""
        self._drop(enterprise_id)
        self._maybe_compact()

    def candidates(self, tender: Tender) -> set[tuple[str, str]]:
        """(enterprise id, profile id) of every profile that fits the tender."""
        fitting = self._by_keys(tender)
        if fitting:
            fitting -= self._rejected(fitting, tender)
        return set(map(self._pairs.__getitem__, fitting.to_array()))

    def stats(self) -> dict[str, int]:
        """Sizes, for logs and benchmarks."""
        return {
            "profiles": len(self),
            "enterprises": len(self._ranges),
            "dead": len(self._dead),
            "keys": sum(map(len, self._postings)),
            "postings": sum(len(p) for by_key in self._postings for p in by_key.values()),
            "verified": len((self._worded | self._filtered) - self._dead),
            "checks": len(self._word_table) + len(self._filter_table) - 2,
        }

    def bitmaps(self) -> list[BitMap]:
        """Every bitmap the index holds, for memory accounting (do not change them)."""
        bitmaps = [*self._unset, self._worded, self._filtered, self._dead]
        bitmaps += self._holders.values()
        return bitmaps + [posting for by_key in self._postings for posting in by_key.values()]

    def _by_keys(self, tender: Tender) -> BitMap:
        """Ordinals of the live profiles whose every condition holds by keys."""
        held = [self._held(bit, tender) for bit in range(len(CONDITIONS))]
        fitting = _union([held[bit] for bit in _WANTED_BITS])
        for bit, holding in enumerate(held):
            if not fitting:
                break
            fitting &= holding | self._unset[bit]
        fitting -= self._dead
        return fitting

    def _held(self, bit: int, tender: Tender) -> BitMap:
        """Ordinals of the profiles for which condition `bit` holds, by their keys."""
        by_key = self._postings[bit]
        if not by_key:
            return BitMap()  # nobody keys it: the tender's keys are not worth computing
        keys = CONDITIONS[bit].tender_keys(tender)
        return _union([posting for key in keys if (posting := by_key.get(key)) is not None])

    def _rejected(self, fitting: BitMap, tender: Tender) -> BitMap:
        """The ordinals among `fitting` whose words or filters do not hold for the tender."""
        failing: list[BitMap] = []
        filtered = fitting & self._filtered
        if filtered:
            for filters in self._distinct(filtered, self._filters_of):
                if not filters.hold(tender):
                    failing.append(self._holders[filters])
        worded = fitting & self._worded
        if worded:
            has = phrase_finder(tender)
            for words in self._distinct(worded, self._words_of):
                if not words.hold(has):
                    failing.append(self._holders[words])
        # A failing check's ordinals that are not fitting are not in the answer anyway.
        return _union(failing)

    @staticmethod
    def _distinct(ordinals: BitMap, checks: list[_Check]) -> set[_Check]:
        """The checks of these ordinals, each once: a C-level map and set, no Python frame."""
        return set(map(checks.__getitem__, ordinals.to_array()))

    def _row(self, profile: AlertProfile) -> tuple[str, int, list[Keys], _Words, _Filters]:
        """The profile's id, condition mask, keys per condition, words and filters to check."""
        mask = 0
        keys: list[Keys] = []
        for bit, condition in enumerate(CONDITIONS):
            wanted = condition.profile_keys(profile)
            if wanted is not None:
                mask |= 1 << bit
            keys.append(self._intern_keys(wanted or ()))
        words, filters = NO_WORDS, NO_FILTERS
        if _words_need_check(profile):
            phrases = profile.keywords
            words = self._intern_words(phrases.any, phrases.all, phrases.none)
        if _has_filters(profile):
            bounds = value_bounds(profile)
            filters = self._intern_filters(profile.reserved_only, profile.categories, bounds)
        return self._intern(profile.id), mask, keys, words, filters

    def _append(
        self,
        owner: str,
        profile_id: str,
        mask: int,
        keys: Sequence[Keys],
        words: _Words,
        filters: _Filters,
    ) -> None:
        ordinal = len(self._pairs)
        self._pairs.append((owner, profile_id))
        self._masks.append(mask)
        self._words_of.append(words)
        self._filters_of.append(filters)
        for check, checked in ((words, self._worded), (filters, self._filtered)):
            if check is not NO_WORDS and check is not NO_FILTERS:
                checked.add(ordinal)
                holders = self._holders.get(check)
                if holders is None:
                    holders = self._holders[check] = BitMap()
                holders.add(ordinal)
        for forward, wanted in zip(self._forward, keys, strict=True):
            forward.append(wanted)
        bits = [bit for bit in range(len(CONDITIONS)) if (mask >> bit) & 1]
        for bit in range(len(CONDITIONS)):
            if bit not in bits:
                self._unset[bit].add(ordinal)
        if not mask & _WANTED or not all(keys[bit] for bit in bits):
            return  # no codes nor words, or a condition without a key: never fits, no postings
        for bit in bits:
            by_key = self._postings[bit]
            for key in keys[bit]:
                posting = by_key.get(key)
                if posting is None:
                    posting = by_key[key] = BitMap()
                posting.add(ordinal)

    def _drop(self, enterprise_id: str) -> None:
        ordinals = self._ranges.pop(enterprise_id, None)
        if ordinals:
            self._dead.add_range(ordinals.start, ordinals.stop)

    def _maybe_compact(self) -> None:
        dead = len(self._dead)
        if dead >= self._compact_min and 4 * dead >= len(self._pairs):
            self._compact()

    def _compact(self) -> None:
        """Rebuild without the dead ordinals; live ones keep their order, so ranges stay whole."""
        pairs, masks, forward, ranges = self._pairs, self._masks, self._forward, self._ranges
        words_of, filters_of = self._words_of, self._filters_of
        self._reset()
        for enterprise_id, ordinals in ranges.items():
            start = len(self._pairs)
            for o in ordinals:
                keys = [self._intern_keys(per[o]) for per in forward]
                words, filters = words_of[o], filters_of[o]
                words = self._intern_words(words.any, words.all, words.none)
                filters = self._intern_filters(
                    filters.reserved_only, filters.categories, filters.bounds
                )
                profile_id = self._intern(pairs[o][1])
                self._append(enterprise_id, profile_id, masks[o], keys, words, filters)
            self._ranges[enterprise_id] = range(start, len(self._pairs))
        self._shrink()

    def _shrink(self) -> None:
        """Hand back the spare room of the bitmaps' arrays, which grow ahead of their content."""
        for bitmap in self.bitmaps():
            bitmap.shrink_to_fit()

    def _intern(self, text: str) -> str:
        return self._strings.setdefault(text, text)

    def _intern_words(
        self, any_: Iterable[str], all_: Iterable[str], none: Iterable[str]
    ) -> _Words:
        # Sorted: each list is a set to the rules, so more profiles share their words.
        key = (
            self._intern_keys(sorted(any_)),
            self._intern_keys(sorted(all_)),
            self._intern_keys(sorted(none)),
        )
        return self._word_table.get(key) or self._word_table.setdefault(key, _Words(*key))

    def _intern_filters(
        self, reserved_only: bool, categories: Iterable[str], bounds: Bounds | None
    ) -> _Filters:
        key = (reserved_only, self._intern_keys(sorted(map(str, categories))), bounds)
        return self._filter_table.get(key) or self._filter_table.setdefault(key, _Filters(*key))

    def _intern_keys(self, keys: Iterable[str]) -> Keys:
        """Deduplicated, and shared with every profile that has the same keys."""
        unique = tuple(dict.fromkeys(self._intern(key) for key in keys))
        return self._tuples.setdefault(unique, unique) if unique else ()
