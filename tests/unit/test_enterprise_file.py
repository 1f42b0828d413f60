from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import bson

from shared.enterprises import Enterprise
from tests.factories import enterprise_data, make_enterprise
from vigie.enterprise_file import parse_enterprises

DEMO = Path(__file__).parents[2] / "services" / "vigie" / "demo_data" / "enterprises.json"


def test_json_lines_with_a_bad_record_keeps_the_good_ones() -> None:
    good = enterprise_data()
    bad = enterprise_data(language="de")
    text = "\n".join([json.dumps(good), "{not json", json.dumps(bad), ""])
    accepted, rejected = parse_enterprises(text)
    assert [e.id for e in accepted] == [good["id"]]
    assert [r.position for r in rejected] == ["line 2", "line 3"]
    assert "not valid JSON" in rejected[0].reason
    assert rejected[1].reason.startswith("language:")


def test_json_array_and_the_shipped_demo_file() -> None:
    accepted, rejected = parse_enterprises(DEMO.read_text(encoding="utf-8"))
    assert rejected == []
    assert len(accepted) == 6
    assert all(e.consents_to("email") for e in accepted)


def test_an_enterprise_with_a_value_range_is_stored_and_read_back_exactly() -> None:
    enterprise = make_enterprise(
        profiles=[
            {
                "id": "v",
                "codes": [{"scheme": "UNSPSC", "prefix": "7611"}],
                "value_range": {"currency": "CAD", "min": "25000.50", "max": "100000"},
            }
        ]
    )
    # As the MongoDB client reads it: tz_aware, as shared.mongo.make_client sets it.
    options: bson.CodecOptions[dict[str, Any]] = bson.CodecOptions(tz_aware=True)
    document = bson.decode(bson.encode(enterprise.to_document()), codec_options=options)
    assert Enterprise.from_document(document) == enterprise
