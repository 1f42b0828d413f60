"""The AsyncAPI document of Vigie's topics: generated from the services' brokers, committed
current, and served by ingest with the vendored AsyncAPI React component."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest

from ingest import asyncapi_page
from matcher.settings import MatcherSettings
from notifier.settings import NotifierSettings
from shared.events import MATCHES_TOPIC, TENDERS_TOPIC
from shared.kafka import dead_letter_headers as dlh
from shared.kafka.topics import all_topics
from tests.unit.conftest import Api
from vigie.asyncapi_document import asyncapi_document, asyncapi_json, committed_copies

CHECKOUT = Path(__file__).resolve().parents[2]
VENDORED = CHECKOUT / "services" / "ingest" / "asyncapi_site" / "react-component"


def _resolve(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = doc
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_the_committed_documents_are_what_the_brokers_generate_now(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VIGIE_MATCHER_GROUP_ID", "an-operator-s-own")  # not in the document
    monkeypatch.setenv("VIGIE_TOPIC_PREFIX", "t1-")
    fresh = asyncapi_json()
    for path in committed_copies(CHECKOUT):
        assert path.read_text(encoding="utf-8") == fresh, (
            f"{path.relative_to(CHECKOUT)} is stale: run `vigie contracts asyncapi --write`"
        )


def test_every_topic_and_its_dead_letter_twin_is_a_channel_with_a_schema() -> None:
    doc = asyncapi_document()
    assert doc["asyncapi"] == "3.0.0"
    assert sorted(channel["address"] for channel in doc["channels"].values()) == sorted(
        all_topics()
    )
    for channel in doc["channels"].values():
        [message_ref] = channel["messages"].values()
        message = _resolve(doc, message_ref["$ref"])
        payload = _resolve(doc, message["payload"]["$ref"])
        assert payload["type"] == "object"
        assert {"event_id", "occurred_at"} <= set(payload["properties"])


def test_dead_letter_messages_describe_the_headers_the_dead_letter_paths_write() -> None:
    doc = asyncapi_document()
    written = dlh.dead_letter_headers(
        topic="t", partition="0", offset="1", attempts=2, error="e", delivery_key="k"
    )
    for name in all_topics():
        if not name.endswith(".dlq"):
            continue
        [message_ref] = doc["channels"][name]["messages"].values()
        headers = _resolve(doc, message_ref["$ref"])["headers"]
        assert set(headers["properties"]) == set(written)
        assert set(headers["required"]) == set(written) - {dlh.DELIVERY_KEY}


def test_each_consumer_receives_from_its_topics_channel() -> None:
    doc = asyncapi_document()

    def channels(action: str) -> set[str]:
        ops = doc["operations"].values()
        return {
            _resolve(doc, op["channel"]["$ref"])["address"] for op in ops if op["action"] == action
        }

    assert channels("receive") == {TENDERS_TOPIC, MATCHES_TOPIC}
    groups = {
        _resolve(doc, op["channel"]["$ref"])["address"]: op["bindings"]["kafka"]["groupId"]["enum"]
        for op in doc["operations"].values()
        if op["action"] == "receive"
    }
    assert groups == {
        TENDERS_TOPIC: [MatcherSettings.model_fields["matcher_group_id"].default],
        MATCHES_TOPIC: [NotifierSettings.model_fields["notifier_group_id"].default],
    }
    assert set(all_topics()) == channels("send")
    for op in doc["operations"].values():  # every reference leads somewhere
        _resolve(doc, op["channel"]["$ref"])
        for message in op["messages"]:
            _resolve(doc, message["$ref"])


class _Urls(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v for k, v in attrs if k in ("src", "href") and v is not None]


async def test_ingest_serves_the_page_with_local_assets_only(api: Api) -> None:
    page = await api.client.get("/asyncapi")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    parser = _Urls()
    parser.feed(page.text)
    fetched = {}
    for url in parser.urls:
        if url.startswith("data:"):
            continue
        parts = urlsplit(url)
        assert (parts.scheme, parts.netloc) == ("", ""), f"{url} is not served by ingest"
        asset = await api.client.get(urljoin("/asyncapi", url))
        assert asset.status_code == 200, url
        fetched[url.rsplit("/", 1)[1]] = asset.content
    assert fetched == {name: (VENDORED / name).read_bytes() for name in asyncapi_page.ASSETS}
    assert "://" not in page.text  # nothing else is loaded from elsewhere
    assert json.dumps(asyncapi_document()["info"]["title"]) in page.text


async def test_ingest_serves_the_document_and_no_other_file(api: Api) -> None:
    document = await api.client.get("/asyncapi.json")
    assert document.status_code == 200
    assert document.headers["content-type"] == "application/json"
    assert document.json() == asyncapi_document()
    for name in ("LICENSE", "../asyncapi.json", "VENDORED.md"):
        assert (await api.client.get(f"/asyncapi/assets/{name}")).status_code == 404


def test_a_script_end_in_the_document_cannot_close_the_page_script() -> None:
    assert "</script>" not in asyncapi_page._script_json({"a": "</script><script>x"})
