"""Keyword matching: accent- and case-insensitive, stemmed with Snowball (French or English).

Pure. A keyword may be a phrase ("entretien ménager"): it is found when its word stems appear in
that order in the notice. Snowball's French stems are not always stable across inflections
(`ménager` → `menag`, `ménagers` → `menager`), so two stems agree when they are equal or when the
shorter one, at least four letters long, begins the other.

Agreement is also written as key equality, for the matcher's index: a text stem agrees with a
phrase stem exactly when `text_stem_keys` of the one and `phrase_stem_keys` of the other share a
key.
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

from shared.languages import written_language
from shared.text import fold

_WORD = re.compile(r"[a-z0-9]+")
_STEMMERS = {"fr": "french", "en": "english"}
MIN_PREFIX = 4


def stemmer_name(language: str) -> str:
    """The Snowball stemmer a language's text goes through; a language with none of its own
    gets the one `shared.languages.written_language` falls back to (French's)."""
    return _STEMMERS[written_language(language)]


# One language per stemmer, to stem a profile's phrase as each kind of notice would.
LANGUAGE_OF_STEMMER = {name: language for language, name in _STEMMERS.items()}


@lru_cache(maxsize=4)
def _stemmer(language: str) -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer(stemmer_name(language))


@lru_cache(maxsize=1 << 16)
def _stem_word(word: str, language: str) -> str:
    # Pure-Python Snowball takes ~0.1 ms a word; notices keep using the same words.
    return str(_stemmer(language).stemWord(word))


def _stems(text: str, language: str) -> tuple[str, ...]:
    return tuple([_stem_word(word, language) for word in _WORD.findall(fold(text))])


@lru_cache(maxsize=4096)
def stems(text: str, language: str) -> tuple[str, ...]:
    """Cached: the phrases of profiles are stemmed once for all the tenders that meet them."""
    return _stems(text, language)


def _agree(one: str, other: str) -> bool:
    if one == other:
        return True
    shorter, longer = sorted((one, other), key=len)
    return len(shorter) >= MIN_PREFIX and longer.startswith(shorter)


def text_stem_keys(stem: str) -> list[str]:
    """Keys of a stem of the text: itself whole, and each of its prefixes of four letters or more.

    With `phrase_stem_keys`: `^p` meets the text stems that begin with p (p itself included), and
    `=` meets a text stem that is a proper prefix of p, or p itself when p is too short to be a
    prefix; which is `_agree`, as keys."""
    return [f"={stem}", *(f"^{stem[:size]}" for size in range(MIN_PREFIX, len(stem) + 1))]


def phrase_stem_keys(stem: str) -> list[str]:
    """Keys of a stem of a wanted phrase: any text stem it agrees with has one of them."""
    if len(stem) < MIN_PREFIX:
        return [f"={stem}"]
    return [f"^{stem}", *(f"={stem[:size]}" for size in range(MIN_PREFIX, len(stem)))]


class StemmedText:
    """A text's stems by key: where the stems of each `text_stem_keys` key stand in the text.

    `contains` gives the answer of the function `contains` without going through the text."""

    __slots__ = ("positions",)

    def __init__(self, text_stems: tuple[str, ...]) -> None:
        self.positions: dict[str, list[int]] = {}
        for position, stem in enumerate(text_stems):
            for key in text_stem_keys(stem):
                self.positions.setdefault(key, []).append(position)

    def contains(self, phrase_stems: tuple[str, ...]) -> bool:
        starts: set[int] | None = None
        for offset, stem in enumerate(phrase_stems):
            at = {
                position - offset
                for key in _phrase_keys(stem)
                for position in self.positions.get(key, ())
            }
            starts = at if starts is None else starts & at
            if not starts:
                return False
        return starts is not None


@lru_cache(maxsize=16)
def stemmed_text(text: str, language: str) -> StemmedText:
    """Cached, for the few tenders being matched at a time.

    Not through `stems`' cache: a notice's text is seldom seen again, and would push phrases out."""
    return StemmedText(_stems(text, language))


@lru_cache(maxsize=4096)
def _phrase_keys(stem: str) -> tuple[str, ...]:
    return tuple(phrase_stem_keys(stem))


def contains(text_stems: tuple[str, ...], phrase_stems: tuple[str, ...]) -> bool:
    """Whether the phrase's stems appear consecutively in the text's: the definition."""
    size = len(phrase_stems)
    if size == 0:
        return False
    return any(
        all(_agree(text_stems[start + i], phrase_stems[i]) for i in range(size))
        for start in range(len(text_stems) - size + 1)
    )
