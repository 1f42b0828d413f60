"""Reading an enterprises file: a JSON array, or JSON Lines (one enterprise per line). Pure.

Every record is checked against the `Enterprise` model; a bad record is reported with its
position and the reason, and never stops the good ones from loading.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import ValidationError

from shared.enterprises import Enterprise


@dataclass(frozen=True)
class Rejected:
    position: str
    reason: str


def _records(text: str) -> Iterator[tuple[str, object]]:
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            items = json.loads(stripped)
        except json.JSONDecodeError as exc:
            yield "file", exc
            return
        for index, item in enumerate(items, start=1):
            yield f"item {index}", item
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield f"line {number}", json.loads(line)
        except json.JSONDecodeError as exc:
            yield f"line {number}", exc


def _summarise(error: ValidationError) -> str:
    parts = [
        f"{'.'.join(str(p) for p in e['loc']) or 'record'}: {e['msg']}" for e in error.errors()
    ]
    return "; ".join(parts)


def parse_enterprises(text: str) -> tuple[list[Enterprise], list[Rejected]]:
    accepted: list[Enterprise] = []
    rejected: list[Rejected] = []
    for position, record in _records(text):
        if isinstance(record, json.JSONDecodeError):
            rejected.append(Rejected(position, f"not valid JSON: {record.msg}"))
            continue
        try:
            accepted.append(Enterprise.model_validate(record))
        except ValidationError as exc:
            rejected.append(Rejected(position, _summarise(exc)))
    return accepted, rejected
