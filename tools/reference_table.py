"""The files of `shared/reference/` as the `tools/build_*.py` scripts write them: comment lines
saying where the data came from and what each column is, then one tab-separated line a row."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path


def write_reference_table(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """Writes `header` (each line given without its `# `) and `rows` to `path`, in UTF-8."""
    lines = [f"# {line}" for line in header]
    lines += ["\t".join(row) for row in rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
