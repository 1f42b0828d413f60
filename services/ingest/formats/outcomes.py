"""What an adapter makes of one notice: a tender event, a deliberate skip, or a refusal.

Every notice ends in exactly one of these, so a feed run can be audited notice by notice:
nothing is dropped silently and nothing raises.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from shared.events import Tender, TenderEventKind


@dataclass(frozen=True)
class Parsed:
    """A notice turned into a canonical tender, with the kind of event it announces.

    `notes` flag the values kept although Vigie cannot vouch for them (a territory code its
    reference does not know, such as an older NUTS code): the notice is not lost for them."""

    kind: TenderEventKind
    tender: Tender
    changed_fields: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Skipped:
    """A notice we recognise but that is not a call for tenders (award, contract, planning...)."""

    reason: str
    ref: str


@dataclass(frozen=True)
class Rejected:
    """A notice that cannot become a valid tender; `reason` says why, for the operator."""

    reason: str
    ref: str


Outcome = Parsed | Skipped | Rejected


def guarded(ref: str, build: Callable[[], Outcome]) -> Outcome:
    """One odd notice (a number where a list was expected...) must not sink its whole package:
    an unexpected error while reading it becomes that notice's `Rejected`."""
    try:
        return build()
    except Exception as error:  # the reason is kept for the operator
        return Rejected(f"unexpected {type(error).__name__} while reading: {error}", ref)
