"""The one-line description of an advisory that reports show.

OSV's ``summary`` is optional and most databases leave it out (2 of the 2,661 PyPI
records carry one); ``details`` is the CommonMark text every record has, whose first
paragraph is the statement of the flaw. A report's description column reads the summary
when there is one, else that first paragraph, so it is never empty while the advisory
says anything at all.
"""

from __future__ import annotations

import re

__all__ = ["advisory_description"]

# A CommonMark paragraph ends at a blank line (whitespace only counts as blank).
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def advisory_description(summary: str, details: str) -> str:
    """The summary, else the first non-empty paragraph of the details, its lines joined
    by single spaces (a report cell is one line); "" when both are empty."""
    if summary.strip():
        return summary.strip()
    for paragraph in _BLANK_LINE.split(details.replace("\r\n", "\n")):
        text = " ".join(line.strip() for line in paragraph.splitlines() if line.strip())
        if text:
            return text
    return ""
