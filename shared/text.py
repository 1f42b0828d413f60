"""Text folding shared by every service: how Vigie compares words that people type differently."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Case-folded, without accents: `Français`, `FRANCAIS` and `francais` are one word."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))
