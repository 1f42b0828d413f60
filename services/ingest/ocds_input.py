"""OCDS documents pushed over HTTP: recognised by their shape, read by the feed adapters."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from ingest.formats import Outcome, parse_document

_OCDS_KEYS = {"ocid", "releases", "records"}


class OcdsDocument(BaseModel):
    """An OCDS release, release package or record package, kept as sent."""

    model_config = ConfigDict(extra="allow")

    @model_validator(mode="before")
    @classmethod
    def _looks_like_ocds(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not _OCDS_KEYS & data.keys():
            raise ValueError(
                "not an OCDS release, release package or record package "
                "(none of ocid, releases, records)"
            )
        return data

    def notices(self, ref: str) -> list[Outcome]:
        """The document's notices, read as a feed's are (odd values kept, dropped or flagged).

        Written back as ASCII JSON: a lone surrogate (`"\\ud800"`, valid JSON, no UTF-8) stays
        an escape, which the adapter's text cleaning drops, instead of failing to encode."""
        document = json.dumps(self.model_dump(mode="json"), ensure_ascii=True).encode()
        return parse_document(ref, document)


def is_ocds(raw: object) -> bool:
    return isinstance(raw, dict) and bool(_OCDS_KEYS & raw.keys())
