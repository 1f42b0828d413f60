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
    after its presearcher, by the rules' own `keywords_found` and `filters_hold`: whether every
    word of a phrase is there and in order, every `all` phrase, no `none` phrase; the value range,
    categories and reserved-only filters. Only profiles that need it carry a check (an interned
    `_Check`, shared by profiles with the same words and filters) and only their classes are
    verified; a tender's phrases are each looked for once (`rules.phrase_finder`) and its text is
    stemmed once (`text.stems` is cached).

Query
    For each class, the cost of a condition is the total length of the postings the tender's keys
    hit. A zero cost rules the class out at once. The cheapest condition drives: the union of its
    postings is complete, since every profile of the class requires it. Every further condition,
    cheapest first, is then counted in: when its postings are small against the candidates they
    are materialised and intersected (in C), otherwise each candidate is checked against its
    forward keys. Then, in verified classes, each candidate's check runs. Lookups per tender: one
    per prefix of each code, per ancestor of each place and per key of each distinct text stem
    (its whole and its prefixes of four letters or more).

Updates
    `upsert` appends the enterprise's profiles under fresh ordinals and marks the old ones dead;
    `remove` marks them dead. Dead ordinals are filtered out of answers and dropped, with ordinals
    renumbered, once they are a quarter of the table (amortised O(1) per update).

Memory
    No pydantic object is kept. Per ordinal: an (enterprise id, profile id) tuple — the answer
    itself, so that answering is a C-level map —, a byte of class mask, a reference to its check
    (a shared "nothing to check" for most), and per condition a tuple of interned keys shared by
    every profile with the same keys. Postings are `array('I')` (4 bytes an entry); each
    enterprise has one `range` (its ordinals are contiguous).

More condition kinds are further entries of `CONDITIONS`: a key function for profiles (None when
the profile does not set the condition) and one for tenders; keys may over-approximate as long as
the check settles the rest. The index is not thread-safe; the matcher uses it from one event loop.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import compress
from operator import not_

from matcher.rules import (
    Bounds,
    PhraseFinder,
    filters_hold,
    keywords_found,
    normalise_code,
    phrase_finder,
    tender_codes,
    tender_places,
    tender_text,
    value_bounds,
)
from matcher.text import (
    LANGUAGE_OF_STEMMER,
    phrase_stem_keys,
    stemmer_name,
    stems,
    text_stem_keys,
)
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
    text = set(stems(tender_text(tender), tender.language))
    return {stemmer + key for stem in text for key in text_stem_keys(stem)}


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


@dataclass(frozen=True, slots=True)
class _Check:
    """What a profile's keys cannot settle: its words, all of them, and its filters."""

    any: Keys = ()
    all: Keys = ()
    none: Keys = ()
    reserved_only: bool = False
    categories: Keys = ()
    bounds: Bounds | None = None

    def holds(self, tender: Tender, has: PhraseFinder) -> bool:
        if (self.reserved_only or self.categories or self.bounds) and not filters_hold(
            tender, self.reserved_only, self.categories, self.bounds
        ):
            return False
        if not (self.any or self.all or self.none):
            return True
        return keywords_found(self.any, self.all, self.none, has) is not None


NO_CHECK = _Check()


def _needs_check(profile: AlertProfile) -> bool:
    """False when the keys say it all: no filter, no `all` or `none`, one-word `any` phrases."""
    wanted = profile.keywords
    if profile.reserved_only or profile.categories or profile.value_range is not None:
        return True
    if wanted.all or wanted.none:
        return True
    return any(
        len(stems(phrase, language)) > 1
        for phrase in wanted.any
        for language in LANGUAGE_OF_STEMMER.values()
    )


class ProfileIndex:
    """All alert profiles of all enterprises, indexed for `candidates(tender)`."""

    def __init__(self, *, compact_min: int = 4096) -> None:
        """`compact_min`: dead ordinals tolerated before compaction is even considered."""
        self._compact_min = max(1, compact_min)
        self._reset()

    def _reset(self) -> None:
        # Per profile ordinal: (enterprise id, profile id), class mask, keys of each condition,
        # check (NO_CHECK unless the class is verified).
        self._pairs: list[tuple[str, str]] = []
        self._masks = bytearray()
        self._forward: list[list[Keys]] = [[] for _ in CONDITIONS]
        self._checks: list[_Check] = []
        # Class mask → per condition → key → ordinals.
        self._postings: dict[int, list[Postings]] = {}
        self._ranges: dict[str, range] = {}
        self._dead: set[int] = set()
        self._strings: dict[str, str] = {}
        self._tuples: dict[Keys, Keys] = {}
        self._check_table: dict[_Check, _Check] = {NO_CHECK: NO_CHECK}

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
        for profile_id, mask, keys, check in rows:
            self._append(enterprise.id, profile_id, mask, keys, check)
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
        for mask, postings in self._postings.items():
            fitting = self._class_candidates(mask, postings, tender_keys)
            if fitting and mask & _VERIFIED:
                has = has or phrase_finder(tender)
                checks = self._checks
                fitting = {o for o in fitting if checks[o].holds(tender, has)}
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
            "verified": sum(1 for check in self._checks if check is not NO_CHECK),
            "checks": len(self._check_table) - 1,
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

    def _row(self, profile: AlertProfile) -> tuple[str, int, list[Keys], _Check]:
        """The profile's id, class mask, keys per condition and check, interned."""
        mask = 0
        keys: list[Keys] = []
        for bit, condition in enumerate(CONDITIONS):
            wanted = condition.profile_keys(profile)
            if wanted is not None:
                mask |= 1 << bit
            keys.append(self._intern_keys(wanted or ()))
        check = NO_CHECK
        if _needs_check(profile):
            mask |= _VERIFIED
            words = profile.keywords
            check = _Check(
                any=self._intern_keys(words.any),
                all=self._intern_keys(words.all),
                none=self._intern_keys(words.none),
                reserved_only=profile.reserved_only,
                categories=self._intern_keys(map(str, profile.categories)),
                bounds=value_bounds(profile),
            )
        return self._intern(profile.id), mask, keys, self._intern_check(check)

    def _append(
        self, owner: str, profile_id: str, mask: int, keys: Sequence[Keys], check: _Check
    ) -> None:
        ordinal = len(self._pairs)
        self._pairs.append((owner, profile_id))
        self._masks.append(mask)
        self._checks.append(check)
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
        checks = self._checks
        self._reset()
        for enterprise_id, ordinals in ranges.items():
            start = len(self._pairs)
            for o in ordinals:
                keys = [self._intern_keys(per[o]) for per in forward]
                check = self._intern_check(checks[o])
                self._append(enterprise_id, self._intern(pairs[o][1]), masks[o], keys, check)
            self._ranges[enterprise_id] = range(start, len(self._pairs))

    def _intern(self, text: str) -> str:
        return self._strings.setdefault(text, text)

    def _intern_check(self, check: _Check) -> _Check:
        return self._check_table.setdefault(check, check)

    def _intern_keys(self, keys: Iterable[str]) -> Keys:
        """Deduplicated, and shared with every profile that has the same keys."""
        unique = tuple(dict.fromkeys(self._intern(key) for key in keys))
        return self._tuples.setdefault(unique, unique) if unique else ()
