"""Importing notice files (OCDS, BOAMP, eForms) through the intake, with a summary.

Notices of different tenders are submitted concurrently; notices of one tender keep the order of
the files, so an amendment never overtakes its original.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ingest.formats import Parsed, Rejected, Skipped, parse_document
from ingest.intake import Notice, TenderIntake
from ingest.revisions import CancelledTenderError

NOTICE_SUFFIXES = {".json", ".xml"}
CHUNK = 2_000


@dataclass
class ImportSummary:
    counts: Counter[str] = field(default_factory=Counter)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def notice_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The files named, and the notice files (.json, .xml) under the folders named, sorted."""
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in NOTICE_SUFFIXES
            )
        else:
            yield path


class NoticeImporter:
    def __init__(self, intake: TenderIntake, publisher_id: str) -> None:
        self._intake = intake
        self._publisher_id = publisher_id

    async def run(
        self, files: list[Path], summary: ImportSummary, on_file: Callable[[Path], None]
    ) -> ImportSummary:
        pending: list[tuple[str, Parsed]] = []
        for path in files:
            pending.extend(self._read(path, summary))
            on_file(path)
            if len(pending) >= CHUNK:
                await self.submit(pending, summary)
                pending = []
        await self.submit(pending, summary)
        return summary

    def _read(self, path: Path, summary: ImportSummary) -> list[tuple[str, Parsed]]:
        try:
            data = path.read_bytes()
        except OSError as exc:
            summary.counts["rejected"] += 1
            summary.rejected.append((str(path), f"cannot read the file: {exc.strerror}"))
            return []
        parsed = []
        for outcome in parse_document(path.name, data):
            if isinstance(outcome, Parsed):
                parsed.append((path.name, outcome))
            else:
                self.count(outcome, summary)
        return parsed

    @staticmethod
    def count(outcome: Skipped | Rejected, summary: ImportSummary) -> None:
        if isinstance(outcome, Skipped):
            summary.counts["skipped"] += 1
            summary.skipped.append((outcome.ref, outcome.reason))
        else:
            summary.counts["rejected"] += 1
            summary.rejected.append((outcome.ref, outcome.reason))

    async def submit(self, notices: list[tuple[str, Parsed]], summary: ImportSummary) -> None:
        receipts = await self._intake.receive_all(
            [Notice(parsed.kind, parsed.tender) for _, parsed in notices], self._publisher_id
        )
        for (ref, parsed), receipt in zip(notices, receipts, strict=True):
            if isinstance(receipt, CancelledTenderError):
                summary.counts["rejected"] += 1
                summary.rejected.append((f"{ref}#{parsed.tender.uid}", str(receipt)))
            else:
                summary.counts[receipt.outcome.value] += 1
