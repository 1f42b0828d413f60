"""Reading an enterprises file: a JSON array, or JSON Lines (one enterprise per line). Pure.

Every record is checked against the `Enterprise` model; a bad record is reported with its
position and the reason, and never stops the good ones from loading.

A profile's territory is a code (`CA-QC-MRC-540`, `FR-DEP-35`) or the name of exactly one
territory (`Boucherville`, `Montérégie`, `ST-BRUNO-DE-MONTARVILLE`), stored as its code. A name
shared by several (`Saint-Lambert`) is refused with the codes to choose from; a code Vigie does
not know yet (`CA-ON`) is kept as written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import ValidationError

from shared.enterprises import Enterprise
from shared.territories import REFERENCE, name_of, territories_named

_CODE = re.compile(r"^[A-Z0-9-]{2,40}$")


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


class _UnknownTerritory(ValueError):
    pass


def _territory_code(written: object) -> object:
    """A known code as is; a name as the code of the one territory bearing it."""
    if not isinstance(written, str) or written in REFERENCE:
        return written
    found = territories_named(written)
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        choices = ", ".join(
            f"{code} ({name_of(code)}, {' / '.join(name_of(p) for p in REFERENCE[code].parents)})"
            for code in found
        )
        raise _UnknownTerritory(
            f"{written!r} names {len(found)} territories, write one code: {choices}"
        )
    if _CODE.match(written):
        return written
    raise _UnknownTerritory(f"{written!r} is neither a territory code nor a territory's name")


def _with_territory_codes(record: object) -> object:
    """The record with every profile territory written as a code."""
    if not isinstance(record, dict) or not isinstance(record.get("profiles"), list):
        return record
    profiles = []
    for index, profile in enumerate(record["profiles"]):
        if isinstance(profile, dict) and isinstance(profile.get("territories"), list):
            try:
                codes = [_territory_code(item) for item in profile["territories"]]
            except _UnknownTerritory as exc:
                raise _UnknownTerritory(f"profiles.{index}.territories: {exc}") from exc
            profile = {**profile, "territories": codes}
        profiles.append(profile)
    return {**record, "profiles": profiles}


def parse_enterprises(text: str) -> tuple[list[Enterprise], list[Rejected]]:
    accepted: list[Enterprise] = []
    rejected: list[Rejected] = []
    for position, record in _records(text):
        if isinstance(record, json.JSONDecodeError):
            rejected.append(Rejected(position, f"not valid JSON: {record.msg}"))
            continue
        try:
            accepted.append(Enterprise.model_validate(_with_territory_codes(record)))
        except _UnknownTerritory as exc:
            rejected.append(Rejected(position, str(exc)))
        except ValidationError as exc:
            rejected.append(Rejected(position, _summarise(exc)))
    return accepted, rejected
