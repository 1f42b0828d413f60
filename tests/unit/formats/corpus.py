"""The notice corpus (`tests/data/corpus`, real published notices) and ways to read it.

The folder ships with the repository and is found relative to this file, never by an absolute
path; `tests/data/corpus/SOURCES.md` says where each file comes from and under which licence.
A test that needs it fails, never skips, when it is missing.
"""

from __future__ import annotations

from pathlib import Path

from ingest.formats import Outcome, Parsed, Rejected, Skipped, parse_document

CORPUS = Path(__file__).resolve().parents[2] / "data" / "corpus"
FOLDERS = ("ocds", "boamp", "ted-eforms")


def corpus_files() -> list[Path]:
    """Every notice file of the corpus; fails loudly if the corpus is not there."""
    assert CORPUS.is_dir(), f"the notice corpus is missing: expected {CORPUS}"
    files = sorted(
        path for folder in FOLDERS for path in (CORPUS / folder).iterdir() if path.is_file()
    )
    assert files, f"the notice corpus at {CORPUS} holds no file"
    return files


def read(relative: str) -> bytes:
    return (CORPUS / relative).read_bytes()


def parse(relative: str) -> list[Outcome]:
    """Parse one corpus file, named by its path under the corpus (`ocds/x.json`)."""
    return parse_document(Path(relative).name, read(relative))


def only(relative: str) -> Outcome:
    """The single outcome of a one-notice file."""
    outcomes = parse(relative)
    assert len(outcomes) == 1, outcomes
    return outcomes[0]


def parsed(relative: str) -> Parsed:
    """The tender of a one-notice file that must parse."""
    outcome = only(relative)
    assert isinstance(outcome, Parsed), outcome
    return outcome


def describe(outcome: Outcome) -> str:
    """A short, stable label of an outcome for expectation tables."""
    if isinstance(outcome, Parsed):
        return f"Parsed({outcome.kind.value}) {outcome.tender.uid}"
    if isinstance(outcome, Skipped):
        return "Skipped"
    assert isinstance(outcome, Rejected)
    return "Rejected"
