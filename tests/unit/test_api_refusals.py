"""What no buyer means to send is refused at the door: a 422 naming the field and what is expected,
a per-item rejection in a batch, and nothing published either way."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.events import text_problem
from tests.factories import tender_data
from tests.fakes import OCP_KEY
from tests.unit.conftest import Api, serving
from tests.unit.formats.corpus import read

PAST = "2020-01-15T14:00:00-05:00"
LOT = {"id": "1", "title": "Lot 1"}

# (what is sent, the field the answer names, words of what it says is expected)
REFUSED: list[tuple[dict[str, Any], str, str]] = [
    ({"title": "\x00"}, "body.title", "control character U+0000"),
    ({"title": "\x1b[2J\x1b[31mURGENT"}, "body.title", "control character U+001B"),
    ({"title": "Avis\x9b31m"}, "body.title", "control character U+009B"),
    ({"description": "Ligne 1\n\x07Ligne 2"}, "body.description", "U+0007"),
    ({"buyer": {"name": "Ville\x00", "id": "ville-longueuil"}}, "body.buyer.name", "U+0000"),
    ({"source_id": "AO-\x1b1"}, "body.source_id", "U+001B"),
    ({"lots": [{**LOT, "title": "Lot\x1b[0m"}]}, "body.lots.0.title", "U+001B"),
    ({"title": "x" * 501}, "body.title", "at most 500"),
    ({"submission_deadline": 1_900_000_000}, "body.submission_deadline", "ISO 8601"),
    ({"submission_deadline": "1900000000"}, "body.submission_deadline", "ISO 8601"),
    ({"submission_deadline": 1.9e9}, "body.submission_deadline", "ISO 8601"),
    ({"submission_deadline": "2031-01-15"}, "body.submission_deadline", "ISO 8601"),
    ({"submission_deadline": "2031-01-15T14:00:00"}, "body.submission_deadline", "offset"),
    ({"published_at": 1_700_000_000}, "body.published_at", "ISO 8601"),
    ({"published_at": True}, "body.published_at", "ISO 8601"),
    ({"submission_deadline": PAST}, "body.submission_deadline", "deadline in the future"),
    (
        {"published_at": "2031-02-01T00:00:00Z", "submission_deadline": "2031-01-31T17:00:00Z"},
        "body.submission_deadline",
        "after the publication date",
    ),
    ({"language": "xx"}, "body.language", "ISO 639-1"),
    ({"language": "FR"}, "body.language", "ISO 639-1"),
    ({"language": "fra"}, "body.language", "ISO 639-1"),
    ({"place_of_performance": ["CA-QC-MUN-00000"]}, "body.place_of_performance.0", "such as"),
    ({"place_of_performance": ["FR-DEP-35", "ZZ"]}, "body.place_of_performance.1", "such as"),
    (
        {"buyer": {"name": "Ville", "id": "ville-longueuil", "territories": ["XX-1"]}},
        "body.buyer.territories.0",
        "territory code Vigie knows",
    ),
    ({"classifications": [{"scheme": "UNSPSC", "code": "7611150A"}]}, "", "no letters"),
    ({"classifications": [{"scheme": "UNSPSC", "code": "761115"}]}, "", "expected 8"),
    ({"classifications": [{"scheme": "UNSPSC", "code": "99999999"}]}, "", "segment"),
    ({"classifications": [{"scheme": "UNSPSC", "code": "76001500"}]}, "", "empty one"),
    ({"classifications": [{"scheme": "CPV", "code": "4500000-7"}]}, "", "8 digits"),
    ({"classifications": [{"scheme": "CPV", "code": "45000000-77"}]}, "", "check digit"),
    ({"classifications": [{"scheme": "CPV", "code": "01000000"}]}, "", "CPV division"),
    ({"classifications": [{"scheme": "CPV", "code": "45999999"}]}, "", "not in the CPV 2008"),
    ({"classifications": [{"scheme": "CPV", "code": "45999999-3"}]}, "", "official list"),
    (
        {"lots": [{**LOT, "classifications": [{"scheme": "CPV", "code": "90999999-1"}]}]},
        "body.lots.0.classifications.0.code",
        "not in the CPV 2008 vocabulary",
    ),
    ({"classifications": [{"scheme": "NAICS", "code": "991234"}]}, "", "NAICS sector"),
    ({"classifications": [{"scheme": "GSIN", "code": "n7610a"}]}, "", "upper-case"),
    (
        {"lots": [{**LOT, "classifications": [{"scheme": "UNSPSC", "code": "76-11"}]}]},
        "body.lots.0.classifications.0.code",
        "no letters",
    ),
]
IDS = [f"{field or 'classifications'}:{words}" for _, field, words in REFUSED]


# An amendment keeps its uid: the cases that change it are the POST's and the batch's.
AMENDMENTS = [case for case in REFUSED if "source_id" not in case[0]]


def _named(detail: list[dict[str, Any]]) -> dict[str, str]:
    """Each named field and what is said of it (all of it, when it is named more than once)."""
    named: dict[str, str] = {}
    for item in detail:
        field = ".".join(str(part) for part in item["loc"])
        named[field] = f"{named[field]}; {item['msg']}" if field in named else item["msg"]
    return named


@pytest.mark.parametrize(("overrides", "field", "words"), REFUSED, ids=IDS)
async def test_post_refuses_naming_the_field(
    api: Api, overrides: dict[str, Any], field: str, words: str
) -> None:
    response = await api.client.post("/v1/tenders", json=tender_data(**overrides))
    assert response.status_code == 422
    named = _named(response.json()["detail"])
    field = field or "body.classifications.0.code"
    assert field in named, named
    assert words in named[field]
    assert "expected" in named[field] or "at most" in named[field]
    assert api.publisher.events == []


@pytest.mark.parametrize(("overrides", "field", "words"), AMENDMENTS)
async def test_put_refuses_naming_the_field(
    api: Api, overrides: dict[str, Any], field: str, words: str
) -> None:
    notice = tender_data(source_id="AO-PUT")
    assert (await api.client.post("/v1/tenders", json=notice)).status_code == 202
    amended = {**notice, **overrides, "source_id": "AO-PUT"}
    response = await api.client.put("/v1/tenders/longueuil:AO-PUT", json=amended)
    assert response.status_code == 422
    named = _named(response.json()["detail"])
    assert words in named[field or "body.classifications.0.code"]
    assert [event.kind for event in api.publisher.events] == ["published"]


@pytest.mark.parametrize(("overrides", "field", "words"), REFUSED, ids=IDS)
async def test_batch_rejects_only_the_bad_item_with_its_reason(
    api: Api, overrides: dict[str, Any], field: str, words: str
) -> None:
    good, bad = tender_data(), tender_data(**overrides)
    response = await api.client.post("/v1/tenders/batch", json={"tenders": [good, bad]})
    assert response.status_code == 200
    accepted, rejected = response.json()
    assert accepted["status"] == "accepted"
    assert rejected["status"] == "rejected"
    named = (field or "body.classifications.0.code").removeprefix("body.")
    assert rejected["reason"].startswith(f"{named}: ") or f"; {named}: " in rejected["reason"]
    assert words in rejected["reason"]
    assert [event.tender.uid for event in api.publisher.events] == [accepted["uid"]]


async def test_a_lone_surrogate_is_refused_not_a_crash(api: Api) -> None:
    """`"\\ud83d"` is valid JSON but no text: half an emoji cannot be stored or sent on."""
    body = json.dumps(tender_data(description="Moitié d'un emoji \ud83d"))
    response = await api.client.post(
        "/v1/tenders", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert "valid string" in _named(response.json()["detail"])["body.description"]
    assert api.publisher.events == []


async def test_every_problem_of_a_tender_is_named_at_once(api: Api) -> None:
    bad = tender_data(
        title="\x00",
        language="xx",
        place_of_performance=["NOWHERE"],
        classifications=[{"scheme": "CPV", "code": "12345678"}],
    )
    response = await api.client.post("/v1/tenders", json=bad)
    assert response.status_code == 422
    assert set(_named(response.json()["detail"])) == {"body.language"}  # the model's rules first
    response = await api.client.post("/v1/tenders", json={**bad, "language": "fr"})
    assert set(_named(response.json()["detail"])) == {
        "body.title",
        "body.place_of_performance.0",
        "body.classifications.0.code",
    }


@pytest.mark.parametrize(
    ("overrides"),
    [
        {"description": "Ligne 1\n\tLigne 2\r\nLigne 3"},
        {"title": "Déneigement — lots 1 à 3 « urgent » 🚚"},
        {"classifications": [{"scheme": "CPV", "code": "45000000-7"}]},
        {"classifications": [{"scheme": "CPV", "code": "90910000"}]},
        {"classifications": [{"scheme": "UNSPSC", "code": "7611150010"}]},
        {"classifications": [{"scheme": "GSIN", "code": "N7610A"}]},
        {"classifications": [{"scheme": "NAICS", "code": "5617"}]},
        {"place_of_performance": ["CA-QC-AGG-LONGUEUIL", "FR-DEP-35", "FRH03", "CA", "FR"]},
        {"submission_deadline": "2031-01-15T14:00:00.250-05:00", "language": "en"},
    ],
)
async def test_what_a_buyer_may_send_is_accepted(api: Api, overrides: dict[str, Any]) -> None:
    response = await api.client.post("/v1/tenders", json=tender_data(**overrides))
    assert response.status_code == 202, response.json()
    assert len(api.publisher.events) == 1


async def test_the_deadline_is_judged_against_the_apps_clock() -> None:
    later = datetime.now(UTC) + timedelta(days=400)
    async with serving(clock=lambda: later) as api:
        response = await api.client.post("/v1/tenders", json=tender_data())  # 30 days from now
    assert response.status_code == 422
    assert "deadline in the future" in response.json()["detail"][0]["msg"]
    assert api.publisher.events == []


async def test_an_ocds_release_is_read_as_a_feed_notice(api: Api) -> None:
    """An OCDS document is a feed's notice: the 2010 deadline and the GB territory are kept, a
    stray control character is dropped, as `vigie ingest file` would do."""
    package = json.loads(read("ocds/FICTIONAL_ocp_tender_ocds-213czf-000-00001-02.json"))
    package["releases"][0]["tender"]["title"] += "\x00 \ud800"  # NUL, a lone surrogate
    response = await api.client.post(
        "/v1/tenders",
        content=json.dumps(package),  # ASCII JSON: the surrogate is the escape \ud800
        headers={"Authorization": f"Bearer {OCP_KEY}", "Content-Type": "application/json"},
    )
    assert response.status_code == 202, response.json()
    [event] = api.publisher.events
    assert text_problem(event.tender.title, multiline=False) is None
    assert event.tender.submission_deadline.year == 2010
    assert event.tender.buyer.territories == ["GB"]
