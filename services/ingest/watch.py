"""Pulling feeds: a drop folder or an OCDS release-package URL, polled with a watermark.

The watermark lives in MongoDB (`watermarks`), so a restarted watcher fetches only what is new;
a failing source is retried with capped exponential backoff and jitter.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from pymongo.asynchronous.database import AsyncDatabase

from ingest.formats import Parsed, Rejected, Skipped, parse_document
from ingest.importer import ImportSummary, NoticeImporter, notice_files
from shared.backoff import Backoff
from shared.mongo import Document

MAX_PAGES = 50


# A failing source is left alone at least half the ceiling: 5 s, then up to 5 minutes.
FEED_BACKOFF = Backoff(base_seconds=5.0, cap_seconds=300.0, least_share=0.5)


class Watermarks:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._marks = db["watermarks"]

    async def get(self, source: str) -> dict[str, Any]:
        document = await self._marks.find_one({"_id": source})
        return dict(document.get("mark", {})) if document else {}

    async def put(self, source: str, mark: dict[str, Any]) -> None:
        await self._marks.replace_one({"_id": source}, {"mark": mark}, upsert=True)


class FolderSource:
    """Files dropped in a folder: those newer than the watermark, oldest first."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.key = f"folder:{folder.resolve()}"

    def new_files(self, mark: dict[str, Any]) -> list[Path]:
        last = int(mark.get("mtime_ns", -1))
        done = set(mark.get("names", []))
        files = [(p.stat().st_mtime_ns, p) for p in notice_files([self.folder])]
        return [p for m, p in sorted(files) if m > last or (m == last and p.name not in done)]

    @staticmethod
    def advance(mark: dict[str, Any], path: Path) -> dict[str, Any]:
        mtime = path.stat().st_mtime_ns
        names = mark.get("names", []) if mark.get("mtime_ns") == mtime else []
        return {"mtime_ns": mtime, "names": [*names, path.name]}


class FeedSource:
    """An OCDS release package feed (following `links.next`): releases newer than the mark."""

    def __init__(self, url: str, client: httpx.AsyncClient) -> None:
        self.url = url
        self.key = f"feed:{url}"
        self._client = client

    async def fetch(self, mark: dict[str, Any]) -> tuple[dict[str, Any], str]:
        """A release package of the releases newer than the mark (with the first page's
        publisher metadata, which some ids need), and the newest release date seen."""
        since = str(mark.get("release_date", ""))
        releases: list[dict[str, Any]] = []
        meta: dict[str, Any] | None = None
        url: str | None = self.url
        for _ in range(MAX_PAGES):
            if url is None:
                break
            response = await self._client.get(url, timeout=30)
            response.raise_for_status()
            package = response.json()
            if not isinstance(package, dict):
                raise ValueError(f"{url} did not answer an OCDS release package")
            if meta is None:
                meta = {k: v for k, v in package.items() if k not in ("releases", "links")}
            releases += [r for r in package.get("releases", []) if str(r.get("date", "")) > since]
            url = (package.get("links") or {}).get("next")
        newest = max((str(r.get("date", "")) for r in releases), default=since)
        releases.sort(key=lambda r: str(r.get("date", "")))
        return {**(meta or {}), "releases": releases}, newest


async def poll_folder(
    source: FolderSource,
    marks: Watermarks,
    importer: NoticeImporter,
    summary: ImportSummary,
    on_file: Callable[[Path], None],
) -> int:
    """One pass over the folder; returns how many files were imported."""
    mark = await marks.get(source.key)
    files = source.new_files(mark)
    for path in files:
        await importer.run([path], summary, on_file)
        mark = source.advance(mark, path)
        await marks.put(source.key, mark)
    return len(files)


async def poll_feed(
    source: FeedSource, marks: Watermarks, importer: NoticeImporter, summary: ImportSummary
) -> int:
    """One pass over the feed; returns how many releases were new."""
    mark = await marks.get(source.key)
    package, newest = await source.fetch(mark)
    releases = package["releases"]
    if not releases:
        return 0
    document = json.dumps(package).encode()
    notices = [(source.url, n) for n in parse_document(source.url, document)]
    parsed = []
    for ref, notice in notices:
        if isinstance(notice, Parsed):
            parsed.append((ref, notice))
        elif isinstance(notice, Skipped | Rejected):
            importer.count(notice, summary)
    await importer.submit(parsed, summary)
    await marks.put(source.key, {"release_date": newest})
    return len(releases)
