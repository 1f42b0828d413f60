"""Fuzzing the publishers' API: whatever the body, never a 5xx, and a refusal publishes nothing;
whatever value of a class no buyer means to send, a refusal naming its field."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.events import ISO_639_1
from shared.territories import is_known
from tests.factories import tender_data
from tests.unit.conftest import serving

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = list(tender_data())


@st.composite
def mutated_tenders(draw: st.DrawFn) -> dict[str, Any]:
    tender = tender_data(source_id=draw(st.sampled_from(["A-1", "A-2", "A-3"])))
    for _ in range(draw(st.integers(0, 3))):
        field = draw(st.sampled_from(FIELDS))
        if draw(st.booleans()):
            tender.pop(field, None)
        else:
            tender[field] = draw(JSON)
    return tender


BODIES = (
    mutated_tenders()
    | JSON
    | st.builds(lambda items: {"tenders": items}, st.lists(mutated_tenders() | JSON, max_size=4))
)


async def _post(body: Any, path: str, *, as_text: bool = False) -> tuple[httpx.Response, int]:
    """POST `body` to a fresh app: the answer, and how many events it published. `as_text`: the
    body as `json.dumps` writes it (ASCII, a lone surrogate as its escape), which httpx's own
    JSON encoding (UTF-8) cannot carry."""
    async with serving(rate=10_000, max_body_bytes=20_000) as api:
        if as_text:
            headers = {"Content-Type": "application/json"}
            response = await api.client.post(path, content=json.dumps(body), headers=headers)
        else:
            response = await api.client.post(path, json=body)
    return response, len(api.publisher.events)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=BODIES, path=st.sampled_from(["/v1/tenders", "/v1/tenders/batch"]))
def test_no_body_makes_the_api_fail_or_publish_on_refusal(body: Any, path: str) -> None:
    response, published = asyncio.run(_post(body, path))
    assert response.status_code < 500
    if response.status_code >= 400:
        assert published == 0


# --- each class of value no buyer means to send: refused naming the field, nothing published ---

CONTROL = st.characters(codec="utf-8", categories=["Cc"])
CONTROL_IN_LONG_TEXT = CONTROL.filter(lambda char: char not in "\t\n\r")
PRINTABLE = st.text(st.characters(codec="utf-8", categories=["L", "N", "Zs", "P"]), max_size=20)


def _with(inserted: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Printable text with one character of `inserted` inside it (not at an end, where the
    model trims whitespace such as a trailing line break)."""
    return st.builds(lambda a, c, b: f"x{a}{c}{b}y", PRINTABLE, inserted, PRINTABLE)


def _iso(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


NOW = datetime.now(UTC)
PAST = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2025, 1, 1), timezones=st.just(UTC)
)
NUMBERS = st.integers(-(2**40), 2**40) | st.floats(allow_nan=False, allow_infinity=False)
LANGUAGES = st.text(max_size=4).filter(lambda code: code.strip() not in ISO_639_1)
TERRITORIES = st.from_regex(r"[A-Z0-9][A-Z0-9-]{1,15}", fullmatch=True).filter(
    lambda code: not is_known(code)
)
BAD_CODES = st.one_of(
    st.tuples(st.just("UNSPSC"), st.from_regex(r"[0-9]{0,6}[A-Z][0-9]{1,3}", fullmatch=True)),
    st.tuples(st.just("UNSPSC"), st.from_regex(r"[1-9][0-9]{2,6}|[1-9][0-9]{8}", fullmatch=True)),
    st.tuples(
        st.just("CPV"), st.from_regex(r"(0[0-2]|1[0-3]|99)[0-9]{6}(-[0-9])?", fullmatch=True)
    ),
    st.tuples(st.just("CPV"), st.from_regex(r"45[0-9]{5}|45[0-9]{6}-[0-9]{2}", fullmatch=True)),
    st.tuples(st.just("NAICS"), st.from_regex(r"(0[0-9]|99)[0-9]{0,4}", fullmatch=True)),
)


@st.composite
def refused_tenders(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """A tender valid but for one value of one class, and the field a refusal must name."""
    tender = tender_data(source_id=draw(st.sampled_from(["A-1", "A-2", "A-3"])))
    kinds = ["text", "long", "number", "past", "order", "language", "place", "code"]
    kind = draw(st.sampled_from(kinds))
    if kind == "text":
        field = draw(st.sampled_from(["title", "description", "buyer.name", "lots.0.title"]))
        inserted = CONTROL_IN_LONG_TEXT if field == "description" else CONTROL
        text = draw(_with(inserted))
        if field == "buyer.name":
            tender["buyer"] = {**tender["buyer"], "name": text}
        elif field == "lots.0.title":
            tender["lots"] = [{"id": "1", "title": text}]
        else:
            tender[field] = text
        return tender, field
    if kind == "long":
        field = draw(st.sampled_from(["title", "source_id", "procurement_method"]))
        tender[field] = "x" * draw(st.integers(501, 5000))
        return tender, field
    if kind == "number":
        field = draw(st.sampled_from(["published_at", "submission_deadline"]))
        tender[field] = draw(NUMBERS | NUMBERS.map(str))
        return tender, field
    if kind == "past":
        deadline = draw(PAST)
        tender["published_at"] = _iso(deadline - timedelta(days=draw(st.integers(1, 60))))
        tender["submission_deadline"] = _iso(deadline)
        return tender, "submission_deadline"
    if kind == "order":
        deadline = NOW + timedelta(days=draw(st.integers(1, 300)))
        tender["submission_deadline"] = _iso(deadline)
        tender["published_at"] = _iso(deadline + timedelta(minutes=draw(st.integers(0, 10**5))))
        return tender, "submission_deadline"
    if kind == "language":
        tender["language"] = draw(LANGUAGES)
        return tender, "language"
    if kind == "place":
        if draw(st.booleans()):
            tender["place_of_performance"] = [draw(TERRITORIES)]
            return tender, "place_of_performance.0"
        tender["buyer"] = {**tender["buyer"], "territories": [draw(TERRITORIES)]}
        return tender, "buyer.territories.0"
    scheme, code = draw(BAD_CODES)
    tender["classifications"] = [{"scheme": "UNSPSC", "code": "76111500"}]
    tender["classifications"].append({"scheme": scheme, "code": code})
    return tender, "classifications.1.code"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=refused_tenders())
def test_each_class_of_bad_value_is_refused_naming_the_field(
    case: tuple[dict[str, Any], str],
) -> None:
    tender, field = case
    response, published = asyncio.run(_post(tender, "/v1/tenders"))
    answer = response.json()
    assert response.status_code == 422, answer
    named = {".".join(str(part) for part in item["loc"]) for item in answer["detail"]}
    assert f"body.{field}" in named, answer
    assert all(item["msg"] for item in answer["detail"])
    assert published == 0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=refused_tenders())
def test_each_class_of_bad_value_is_a_rejected_batch_item(
    case: tuple[dict[str, Any], str],
) -> None:
    tender, field = case
    response, published = asyncio.run(_post({"tenders": [tender]}, "/v1/tenders/batch"))
    answer = response.json()
    assert response.status_code == 200, answer
    [item] = answer
    assert item["status"] == "rejected"
    assert item["reason"].startswith(f"{field}: ") or f"; {field}: " in item["reason"]
    assert published == 0


ODD_TEXT = st.text(st.characters(categories=["Cs", "Cc", "L", "Zs"]), max_size=12)


@st.composite
def odd_texts_anywhere(draw: st.DrawFn) -> dict[str, Any]:
    """A canonical tender or an OCDS release whose texts hold control characters and lone
    surrogates (valid JSON escapes, no UTF-8)."""
    if draw(st.booleans()):
        tender = tender_data(source_id="A-1")
        tender.update(title=f"t{draw(ODD_TEXT)}", description=draw(ODD_TEXT))
        return tender
    return {
        "ocid": f"ocds-213czf-{draw(ODD_TEXT)}",
        "id": "r1",
        "date": "2026-11-20T10:00:00Z",
        "tag": ["tender"],
        "language": draw(ODD_TEXT),
        "buyer": {"name": draw(ODD_TEXT), "id": draw(ODD_TEXT)},
        "tender": {
            "id": draw(ODD_TEXT),
            "title": draw(ODD_TEXT),
            "description": draw(ODD_TEXT),
            "tenderPeriod": {"endDate": "2031-01-15T14:00:00Z"},
            "items": [{"id": "1", "classification": {"scheme": "CPV", "id": draw(ODD_TEXT)}}],
        },
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=odd_texts_anywhere(), path=st.sampled_from(["/v1/tenders", "/v1/tenders/batch"]))
def test_control_characters_and_lone_surrogates_never_crash_the_api(
    body: dict[str, Any], path: str
) -> None:
    sent = {"tenders": [body]} if path.endswith("batch") else body
    response, published = asyncio.run(_post(sent, path, as_text=True))
    assert response.status_code < 500
    if response.status_code >= 400:
        assert published == 0
