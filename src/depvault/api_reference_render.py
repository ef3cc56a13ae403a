"""The API reference's blocks written as markdown (``docs/api/*.md``) or HTML (``/docs``).

No markdown library: the blocks are few and plain (headings, paragraphs with inline
code, bold and links, tables, code), so each writer is a few lines and the HTML needs
no conversion step that could drift from the markdown.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from depvault.api_reference import Block

__all__ = ["to_html", "to_markdown"]


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def to_markdown(blocks: Sequence[Block]) -> str:
    """One page as markdown."""
    parts = []
    for block in blocks:
        if block.kind in {"h1", "h2", "h3"}:
            parts.append("#" * int(block.kind[1]) + " " + block.text)
        elif block.kind == "p":
            parts.append(block.text)
        elif block.kind == "code":
            parts.append(f"```json\n{block.text}\n```")
        elif block.kind == "table":
            header, *rows = block.rows
            lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
            lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
            parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


_INLINE = (
    (
        re.compile(r"\[`([^`]+)`\]\(([^)#]*)\.md#([^)]+)\)"),
        r'<a href="/docs/\1"><code>\1</code></a>',
    ),
    (re.compile(r"`([^`]+)`"), r"<code>\1</code>"),
    (re.compile(r"\*\*([^*]+)\*\*"), r"<strong>\1</strong>"),
)


def _inline(text: str) -> str:
    escaped = html.escape(text, quote=False)
    for pattern, replacement in _INLINE:
        escaped = pattern.sub(replacement, escaped)
    return escaped


def to_html(blocks: Sequence[Block], title: str) -> str:
    """One page as a standalone HTML document."""
    body = []
    for block in blocks:
        if block.kind in {"h1", "h2", "h3"}:
            anchor = f' id="{html.escape(block.anchor)}"' if block.anchor else ""
            body.append(f"<{block.kind}{anchor}>{_inline(block.text)}</{block.kind}>")
        elif block.kind == "p":
            body.append(f"<p>{_inline(block.text)}</p>")
        elif block.kind == "code":
            body.append(f"<pre><code>{html.escape(block.text, quote=False)}</code></pre>")
        elif block.kind == "table":
            header, *rows = block.rows
            head = "".join(f"<th>{_inline(c)}</th>" for c in header)
            lines = "".join(
                "<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in row) + "</tr>" for row in rows
            )
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{lines}</tbody></table>")
    style = (
        "body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem}"
        "table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;"
        "padding:.25rem .5rem;text-align:left;vertical-align:top}pre{background:#f5f5f5;"
        "padding:.75rem;overflow-x:auto}"
    )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{style}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )
