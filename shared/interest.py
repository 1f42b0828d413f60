"""What an enterprise answers to an alert, and the key its answer is stored under. Pure.

The `interest` collection is written by the notifier (the alert's links) and read by ingest
(a tender's reach for its publisher), so its vocabulary lives here. One record per (tender,
enterprise): `_id` is built from both, so recording an answer or a documents click is one
upsert on `_id` (the only index FerretDB serves), a tender's records are read by `_id $in`
once its alerted enterprises are known, and answering twice, or a mail scanner opening a link
twice, leaves one record. Fields: `tender_uid`, `enterprise_id`, `answer`, `reason`,
`answered_at`, `documents_first_at`, `documents_last_at`.
"""

from __future__ import annotations

from enum import StrEnum


class Answer(StrEnum):
    INTERESTED = "interested"
    DECLINED = "declined"


class DeclineReason(StrEnum):
    TOO_BIG = "too_big"
    TOO_FAR = "too_far"
    NOT_OUR_TRADE = "not_our_trade"
    DEADLINE_TOO_SHORT = "deadline_too_short"
    OTHER = "other"


def interest_id(tender_uid: str, enterprise_id: str) -> str:
    """`_id` of the record; `#` occurs in neither a tender uid nor an enterprise id."""
    return f"{tender_uid}#{enterprise_id}"


def read_answer(answer: str | None, reason: str | None) -> tuple[Answer, DeclineReason | None]:
    """The answer a form or link gives; ValueError naming what is wrong otherwise."""
    try:
        chosen = Answer(answer or "")
    except ValueError:
        raise ValueError(f"answer must be one of {[a.value for a in Answer]}") from None
    if chosen == Answer.INTERESTED:
        return chosen, None
    try:
        return chosen, DeclineReason(reason or "")
    except ValueError:
        raise ValueError(f"reason must be one of {[r.value for r in DeclineReason]}") from None
