"""Classification codes against the official code lists Vigie ships: a code of the right form
(`shared.events.code_problem`) may still be one its scheme never had.

CPV alone has its list shipped (`shared.cpv`: the CPV 2008 main vocabulary, from the eForms
SDK). The list carries no check digits (the SDK gives none, and the published ones follow no
formula), so it tells whether the 8 digits are a CPV code, not whether a written check digit
is the official one. The publishers' API refuses a code not in the list; a feed's notice keeps
it and flags it (docs/validation.md). Pure: the list is a file of the package.
"""

from __future__ import annotations

from shared import cpv
from shared.events import Classification, CodeScheme, Tender

CPV_EXAMPLE = "90910000-9"


def unlisted(scheme: CodeScheme, code: str) -> str | None:
    """Why a well-formed `code` is not in `scheme`'s official list, said with what is expected;
    None if it is listed, or if Vigie ships no list of that scheme."""
    if scheme is CodeScheme.CPV and not cpv.is_known(code):
        return (
            "not in the CPV 2008 vocabulary: expected a code of the official list, "
            f"such as {CPV_EXAMPLE}"
        )
    return None


def coded_fields(tender: Tender) -> list[tuple[tuple[str | int, ...], Classification]]:
    """Every classification of a tender with where it is (`classifications.0`, `lots.1.…`)."""
    found: list[tuple[tuple[str | int, ...], Classification]] = [
        (("classifications", index), item) for index, item in enumerate(tender.classifications)
    ]
    for lot_index, lot in enumerate(tender.lots):
        found.extend(
            (("lots", lot_index, "classifications", index), item)
            for index, item in enumerate(lot.classifications)
        )
    return found


def unlisted_codes(tender: Tender) -> tuple[str, ...]:
    """The flags of a feed notice's codes kept although their scheme's list lacks them."""
    return tuple(
        f"{'.'.join(str(part) for part in where)}.code: {item.scheme} {item.code} is {problem} "
        "(kept as the notice gives it; a profile whose code prefix it starts with finds it)"
        for where, item in coded_fields(tender)
        if (problem := unlisted(item.scheme, item.code))
    )
