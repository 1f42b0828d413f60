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
    with neither never fits and gets no postings, as under the rules. Profiles setting the same
    conditions form a class (a bit mask, one more bit for "verified"), and each class keeps, per
    condition, postings: key → compact array of profile ordinals. The keys of each profile are
    also kept per ordinal ("forward" keys).

Verification
    What keys cannot say exactly is checked afterwards on the candidates, as Lucene Monitor does
    after its presearcher, by the rules' own `keywords_hold` and `filters_hold`: whether every
    word of a phrase is there and in order, every `all` phrase, no `none` phrase; the value range,
    categories and reserved-only filters. Only profiles that need it carry words (`_Words`) or
    filters (`_Filters`) to check, interned so that profiles with the same ones share them (word
    lists sorted: to the rules they are sets), and only the classes holding such profiles are
    verified. A query checks each distinct `_Words` and `_Filters` once, and goes from candidates
    to verdicts with C-level maps; a tender's phrases are each looked for once
    (`rules.phrase_finder`) in its text's stem positions (`text.StemmedText`, cached), and words
    are stemmed once per process (`text.stems`, cached per text and per word).

Query
    For each class, the cost of a condition is the total length of the postings the tender's keys
    hit. A zero cost rules the class out at once. The cheapest condition drives: the union of its
    postings is complete, since every profile of the class requires it. Every further condition,
    cheapest first, is then counted in: when its postings are small against the candidates they
    are materialised and intersected (in C), otherwise each candidate is checked against its
    forward keys. Then, in verified classes, the candidates' checks run. Lookups per tender: one
    per prefix of each code, per ancestor of each place and per key of each distinct text stem
    (its whole and its prefixes of four letters or more).

Updates
    `upsert` appends the enterprise's profiles under fresh ordinals and marks the old ones dead;
    `remove` marks them dead. Dead ordinals are filtered out of answers and dropped, with ordinals
    renumbered, once they are a quarter of the table (amortised O(1) per update).

Memory
    No pydantic object is kept. Per ordinal: an (enterprise id, profile id) tuple — the answer
    itself, so that answering is a C-level map —, a byte of class mask, references to its words
    and filters to check (the shared `NO_WORDS` and `NO_FILTERS` for most), and per condition a
    tuple of interned keys shared by every profile with the same keys. Postings are `array('I')`
    (4 bytes an entry); each enterprise has one `range` (its ordinals are contiguous).

More condition kinds are further entries of `CONDITIONS`: a key function for profiles (None when
the profile does not set the condition) and one for tenders; keys may over-approximate as long as
the check settles the rest. The index is not thread-safe; the matcher uses it from one event loop.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import compress
from operator import and_, not_

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
Postings = dict[str, "array[int]"]

UNKNOWN_LOCATION = "?"  # not a valid territory code, so it cannot collide with one

# When a further condition's postings hold at most this many entries per candidate, a set of
# them and an intersection beat checking each candidate's forward keys (measured: ~65 ns an entry
# against ~130 ns a candidate on CPython 3.11).
_MATERIALISE_RATIO = 2


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
if len(CONDITIONS) > 7:
    raise RuntimeError("class masks are stored in one byte a profile: widen ProfileIndex._masks")
_WANTED = sum(1 << bit for bit, condition in enumerate(CONDITIONS) if condition.wanted)
_VERIFIED = 1 << 7  # class bit: candidates of the class are checked one by one


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


class ProfileIndex:
    """All alert profiles of all enterprises, indexed for `candidates(tender)`."""

    def __init__(self, *, compact_min: int = 4096) -> None:
        """`compact_min`: dead ordinals tolerated before compaction is even considered."""
        self._compact_min = max(1, compact_min)
        self._reset()

    def _reset(self) -> None:
        # Per profile ordinal: (enterprise id, profile id), class mask, keys of each condition,
        # words and filters to check (NO_WORDS, NO_FILTERS: nothing to check).
        self._pairs: list[tuple[str, str]] = []
        self._masks = bytearray()
        self._forward: list[list[Keys]] = [[] for _ in CONDITIONS]
        self._words_of: list[_Words] = []
        self._filters_of: list[_Filters] = []
        # Class mask → per condition → key → ordinals.
        self._postings: dict[int, list[Postings]] = {}
        self._ranges: dict[str, range] = {}
        self._dead: set[int] = set()
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
        used = 0
        for mask in self._postings:
            used |= mask
        tender_keys = [
            condition.tender_keys(tender) if (used >> bit) & 1 else set()
            for bit, condition in enumerate(CONDITIONS)
        ]
        found: set[int] = set()
        has: PhraseFinder | None = None
        verdicts: dict[object, bool] = {NO_WORDS: True, NO_FILTERS: True}
        for mask, postings in self._postings.items():
            fitting = self._class_candidates(mask, postings, tender_keys)
            if fitting and mask & _VERIFIED:
                # Each distinct check once; from candidates to checks to verdicts in C.
                has = has or phrase_finder(tender)
                ordinals = list(fitting)
                words = list(map(self._words_of.__getitem__, ordinals))
                filters = list(map(self._filters_of.__getitem__, ordinals))
                for part in set(words).difference(verdicts):
                    verdicts[part] = part.hold(has)
                for other in set(filters).difference(verdicts):
                    verdicts[other] = other.hold(tender)
                held = map(
                    and_, map(verdicts.__getitem__, words), map(verdicts.__getitem__, filters)
                )
                fitting = set(compress(ordinals, held))
            found |= fitting
        if self._dead:
            found = found - self._dead  # iterates the smaller side
        return set(map(self._pairs.__getitem__, found))

    def stats(self) -> dict[str, int]:
        """Sizes, for logs and benchmarks."""
        return {
            "profiles": len(self),
            "enterprises": len(self._ranges),
            "dead": len(self._dead),
            "classes": len(self._postings),
            "keys": sum(len(p) for per in self._postings.values() for p in per),
            "postings": sum(
                len(a) for per in self._postings.values() for p in per for a in p.values()
            ),
            "verified": sum(1 for mask in self._masks if mask & _VERIFIED),
            "checks": len(self._word_table) + len(self._filter_table) - 2,
        }

    def _class_candidates(
        self, mask: int, postings: Sequence[Postings], tender_keys: Sequence[set[str]]
    ) -> set[int]:
        plans: list[tuple[int, int, list[array[int]]]] = []
        for bit, (by_key, keys) in enumerate(zip(postings, tender_keys, strict=True)):
            if not (mask >> bit) & 1:
                continue
            hits = [posting for key in keys if (posting := by_key.get(key)) is not None]
            cost = sum(map(len, hits))
            if cost == 0:
                return set()
            plans.append((cost, bit, hits))
        plans.sort(key=lambda plan: plan[0])
        found: set[int] = set()
        for posting in plans[0][2]:
            found.update(posting)
        for cost, bit, hits in plans[1:]:
            if not found:
                break
            if cost <= _MATERIALISE_RATIO * len(found):
                holding: set[int] = set()
                for posting in hits:
                    holding.update(posting)
                found &= holding
            else:
                # Each candidate against its own keys, in C: map/compress, no Python frame.
                ordinals = list(found)
                disjoint = map(
                    tender_keys[bit].isdisjoint, map(self._forward[bit].__getitem__, ordinals)
                )
                found = set(compress(ordinals, map(not_, disjoint)))
        return found

    def _row(self, profile: AlertProfile) -> tuple[str, int, list[Keys], _Words, _Filters]:
        """The profile's id, class mask, keys per condition, words and filters to check."""
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
        if words is not NO_WORDS or filters is not NO_FILTERS:
            mask |= _VERIFIED
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
        for forward, wanted in zip(self._forward, keys, strict=True):
            forward.append(wanted)
        bits = [bit for bit in range(len(CONDITIONS)) if (mask >> bit) & 1]
        if not mask & _WANTED or not all(keys[bit] for bit in bits):
            return  # no codes nor words, or a condition without a key: never fits, no postings
        postings = self._postings.get(mask)
        if postings is None:
            postings = self._postings[mask] = [{} for _ in CONDITIONS]
        for bit in bits:
            by_key = postings[bit]
            for key in keys[bit]:
                posting = by_key.get(key)
                if posting is None:
                    posting = by_key[key] = array("I")
                posting.append(ordinal)

    def _drop(self, enterprise_id: str) -> None:
        ordinals = self._ranges.pop(enterprise_id, None)
        if ordinals is not None:
            self._dead.update(ordinals)

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
