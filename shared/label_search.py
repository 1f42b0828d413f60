"""Searching reference labels by the words a person types, whatever their accents or case.

The code and territory pickers search a few thousand to forty thousand labels per keystroke, so
each label's words are folded once (`label_words`) and a query only compares prefixes: `nett
loc` finds « Services de nettoyage de locaux », `ecole` finds « École », `Montreal` finds
« Montréal ». Every word of the query must begin a word of the label; order does not matter.
"""

from __future__ import annotations

import re

from shared.text import fold

_WORD = re.compile(r"[a-z0-9]+")


def label_words(text: str) -> tuple[str, ...]:
    """The folded words of `text`: `Services d'hébergement` → (`services`, `d`, `hebergement`)."""
    return tuple(_WORD.findall(fold(text)))


def query_words(query: str) -> tuple[str, ...]:
    """The words of a query, longest first (the rarest, so a miss is found soonest)."""
    return tuple(sorted(set(label_words(query)), key=len, reverse=True))


def matches(query: tuple[str, ...], words: tuple[str, ...]) -> bool:
    """Whether every query word begins some word of the label (an empty query matches none)."""
    return bool(query) and all(any(w.startswith(q) for w in words) for q in query)
