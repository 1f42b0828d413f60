"""The shared notice corpus (`shared/corpus` beside the repository root) and ways to read it.

The folder is found relative to this file, never by an absolute path. It is required: a test
that needs it fails, never skips, when it is missing.
"""

from __future__ import annotations

from pathlib import Path

from ingest.formats import Outcome, Parsed, Rejected, Skipped, parse_document

CORPUS = (Path(__file__).parents[3] / ".." / "shared" / "corpus").resolve()
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
