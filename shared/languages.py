"""The languages Vigie writes in, and which one to use when the one wanted is not among them.

Fallback order, for every message, page and label: the language asked for, if Vigie writes it;
else the reader's own (an enterprise's `language`), if known and written; else French. French
last because both places Vigie serves make it the language owed to a reader whose language is
unknown: Québec's Charter of the French language for communications with enterprises, France's
loi Toubon for commercial and public documents; and an enterprise record's language defaults to
French.
"""

from __future__ import annotations

SUPPORTED = ("fr", "en")
DEFAULT = "fr"


def written_language(*wanted: str | None) -> str:
    """The first of `wanted` that Vigie writes in (most wanted first), else `DEFAULT`."""
    return next((code for code in wanted if code in SUPPORTED), DEFAULT)
