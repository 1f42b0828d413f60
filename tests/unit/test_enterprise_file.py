from __future__ import annotations

import json
from pathlib import Path

from tests.factories import enterprise_data
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
