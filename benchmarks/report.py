"""Writing measured figures into a performance page without losing what people wrote around them."""

from __future__ import annotations

from pathlib import Path

BEGIN, END = "<!-- measured: start -->", "<!-- measured: end -->"


def replace_measured_block(page: Path, table: str, title: str) -> None:
    """Replace the page's measured block with `table`; a page without one is started anew."""
    block = f"{BEGIN}\n{table}\n{END}"
    text = page.read_text(encoding="utf-8") if page.exists() else ""
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + block + text[text.index(END) + len(END) :]
    else:
        text = f"# {title}\n\n{block}\n"
    page.write_text(text, encoding="utf-8")
