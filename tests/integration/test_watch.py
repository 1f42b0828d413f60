"""Pulling a drop folder and an OCDS feed: new notices once, watermark kept in MongoDB."""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from ingest.bootstrap import IngestRuntime, bootstrap_runtime
from ingest.importer import ImportSummary, NoticeImporter
from ingest.settings import IngestSettings
from ingest.watch import FeedSource, FolderSource, Watermarks, poll_feed, poll_folder
from shared.mongo import database
from tests.pipeline import namespace_settings
from tests.stack_clients import StackEndpoints
from tests.unit.formats.corpus import CORPUS

TENDER = CORPUS / "ocds" / "FICTIONAL_ocp_tender_ocds-213czf-000-00001-02.json"
AMENDMENT = CORPUS / "ocds" / "FICTIONAL_ocp_tenderAmendment_ocds-213czf-000-00001-03.json"
TWO = CORPUS / "ocds" / "ca-buyandsell_tender_release_package_2_releases.json"


@pytest_asyncio.fixture(loop_scope="session")
async def runtime(stack: StackEndpoints, namespace: str) -> AsyncIterator[IngestRuntime]:
    started = bootstrap_runtime(IngestSettings(**namespace_settings(stack, namespace)))
    await started.start()
    yield started
    await started.stop()


def _parts(runtime: IngestRuntime) -> tuple[Watermarks, NoticeImporter]:
    db = database(runtime.client, runtime.settings.mongodb_url)
    return Watermarks(db), NoticeImporter(runtime.intake, "watch")


async def test_drop_folder_imports_each_file_once(runtime: IngestRuntime, tmp_path: Path) -> None:
    marks, importer = _parts(runtime)
    for name in ("boamp-xml_16-181902_test-pub-2.xml", "boamp-xml_16-652_test-pub-9.xml"):
        shutil.copy(CORPUS / "boamp" / name, tmp_path / name)
    source, summary = FolderSource(tmp_path), ImportSummary()
    first = await poll_folder(source, marks, importer, summary, on_file=lambda _: None)
    again = await poll_folder(FolderSource(tmp_path), marks, importer, summary, lambda _: None)
    late = tmp_path / "late.xml"
    shutil.copy(CORPUS / "boamp" / "boamp-xml_16-186063_test-pub-3.xml", late)
    os.utime(late, ns=(late.stat().st_mtime_ns + 10**9,) * 2)
    third = await poll_folder(source, marks, importer, summary, on_file=lambda _: None)
    assert (first, again, third) == (2, 0, 1)
    assert summary.counts["accepted"] == 3


class _Feed:
    """A local OCDS feed of two pages whose content the test changes."""

    def __init__(self) -> None:
        self.pages: dict[str, dict[str, Any]] = {}


@pytest.fixture
def feed() -> Iterator[tuple[_Feed, str]]:
    state = _Feed()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            page = state.pages.get(self.path)
            body = json.dumps(page).encode() if page else b"{}"
            self.send_response(200 if page else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


async def test_feed_pages_are_followed_and_only_new_releases_taken(
    runtime: IngestRuntime, feed: tuple[_Feed, str]
) -> None:
    state, base = feed
    two = json.loads(TWO.read_text())
    state.pages["/page1"] = {**two, "links": {"next": f"{base}/page2"}}
    state.pages["/page2"] = json.loads(TENDER.read_text())
    marks, importer = _parts(runtime)
    summary = ImportSummary()
    async with httpx.AsyncClient() as http:
        source = FeedSource(f"{base}/page1", http)
        first = await poll_feed(source, marks, importer, summary)
        again = await poll_feed(source, marks, importer, summary)
        # A feed publishes a change as a new release, dated after everything it served so far.
        [amendment] = json.loads(AMENDMENT.read_text())["releases"]
        state.pages["/page2"]["releases"].append({**amendment, "date": "2014-05-01T00:00:00Z"})
        third = await poll_feed(source, marks, importer, summary)
        state.pages.pop("/page2")
        with pytest.raises(httpx.HTTPStatusError):
            await poll_feed(source, marks, importer, summary)
    assert (first, again, third) == (3, 0, 1)
    assert (summary.counts["accepted"], summary.counts["amended"]) == (3, 1)
