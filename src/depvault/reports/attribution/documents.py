"""The Attribution report as a document people read: plain text or HTML.

One structure (:class:`DocumentSyntax`: title, header, summary, libraries, a section
per license with the libraries under it and its text, an appendix of texts with
``APPENDIX_SECTION``, footer) and two markups. HTML escapes every value it writes
(library names, copyrights and notices come from SBOMs and users; so do title, header
and footer), through :meth:`HtmlSyntax._t` alone. Text uses CRLF line ends, as the
API's other text files (``getNoticesTextFile``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import BinaryIO

from depvault.reports.attribution.model import (
    Entry,
    Head,
    Layout,
    LicensedGroup,
    LicenseUse,
    Summary,
)

__all__ = ["DocumentSyntax", "HtmlSyntax", "TextSyntax"]

NO_TEXT = (
    "No text is known for this license: read its terms at its page or in the "
    "library's own distribution."
)
IN_APPENDIX = "The text of this license is in the appendix."
NO_LICENSE_HEADING = "Libraries without a license"


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _license_heading(use: LicenseUse) -> str:
    """ "MIT License (MIT)"; the id alone for a license known by its id only."""
    return use.license_id if use.name == use.license_id else f"{use.name} ({use.license_id})"


class DocumentSyntax:
    """The document's structure; subclasses give the markup of its parts."""

    def __init__(self, target: BinaryIO, layout: Layout) -> None:
        self._target = target
        self._layout = layout

    # --- markup, per format ---------------------------------------------------------

    def _begin(self, title: str) -> None: ...
    def _heading(self, text: str) -> None: ...
    def _subheading(self, text: str) -> None: ...
    def _paragraph(self, text: str) -> None: ...
    def _open_list(self) -> None: ...
    def _item(self, label: str, details: Sequence[str] = ()) -> None: ...
    def _close_list(self) -> None: ...
    def _preformatted(self, text: str) -> None: ...
    def _finish(self) -> None: ...

    # --- structure --------------------------------------------------------------------

    def _label(self, entry: Entry, *, project: bool = False) -> str:
        label = entry.name
        if self._layout.versions and entry.version:
            label = f"{label} {entry.version}"
        if project and self._layout.projects and entry.project:
            label = f"{label} (project {entry.project})"
        return label

    def head(self, head: Head) -> None:
        self._begin(head.title or f"Attribution Report: {head.scope}")
        if head.title:
            self._paragraph(f"Report of {head.scope}")
        if head.header:
            self._paragraph(head.header)
        if head.attribute is not None:
            name, value = head.attribute
            self._paragraph(f"{name}: {value if value is not None else '(no value)'}")

    def summary(self, summary: Summary) -> None:
        self._heading("Summary")
        self._open_list()
        self._item(f"Projects: {summary.projects}")
        self._item(f"Libraries: {summary.libraries}")
        self._item(f"Licenses: {summary.licenses}")
        self._item(f"Libraries without a license: {summary.without_license}")
        for license_id, count in summary.by_license:
            self._item(f"{license_id}: {count}")
        self._close_list()

    def libraries(self, entries: Iterable[Entry]) -> None:
        self._heading("Libraries")
        project: str | None = None
        opened = False
        for entry in entries:
            if not opened or (self._layout.projects and entry.project != project):
                if opened:
                    self._close_list()
                if self._layout.projects:
                    self._subheading(f"Project {entry.project}")
                self._open_list()
                project, opened = entry.project, True
            self._item(self._label(entry), self._details(entry))
        if opened:
            self._close_list()

    def _details(self, entry: Entry) -> list[str]:
        details: list[str] = []
        if self._layout.copyrights:
            for text in entry.copyrights:
                details.extend(line for line in _lines(text) if line.strip())
        if self._layout.notices:
            for notice in entry.notices:
                details.append("Notice:")
                details.extend(_lines(notice.text))
                if notice.reference:
                    details.append(f"Reference: {notice.reference}")
        return details

    def detail(self, groups: Iterable[LicensedGroup], licenses: Mapping[str, LicenseUse]) -> None:
        self._heading("Licenses")
        for key, entries in groups:
            use = licenses.get(key)
            if use is None:
                self._subheading(key or NO_LICENSE_HEADING)
            else:
                self._subheading(_license_heading(use))
                if use.url:
                    self._paragraph(use.url)
            self._open_list()
            for entry in entries:
                self._item(self._label(entry, project=True))
            self._close_list()
            if use is not None:
                self._text(use)

    def _text(self, use: LicenseUse) -> None:
        if not self._layout.texts_inline:
            self._paragraph(IN_APPENDIX)
        elif use.text:
            self._preformatted(use.text)
        else:
            self._paragraph(NO_TEXT)

    def end(self, licenses: Sequence[LicenseUse] | None, footer: str | None) -> None:
        if licenses and not self._layout.texts_inline:
            self._heading("Appendix: license texts")
            for use in licenses:
                self._subheading(_license_heading(use))
                if use.text:
                    self._preformatted(use.text)
                else:
                    self._paragraph(NO_TEXT)
        if footer:
            self._paragraph(footer)
        self._finish()


class TextSyntax(DocumentSyntax):
    """Plain text: underlined headings, indented lists, texts as they are."""

    def _write(self, *lines: str) -> None:
        self._target.write("".join(f"{line}\r\n" for line in lines).encode("utf-8"))

    def _begin(self, title: str) -> None:
        self._write(title, "=" * len(title))

    def _heading(self, text: str) -> None:
        self._write("", "", text.upper(), "=" * len(text))

    def _subheading(self, text: str) -> None:
        self._write("", text, "-" * len(text))

    def _paragraph(self, text: str) -> None:
        self._write("", *_lines(text))

    def _open_list(self) -> None:
        self._write("")

    def _item(self, label: str, details: Sequence[str] = ()) -> None:
        self._write(f"  {label}", *(f"      {line}" for line in details))

    def _preformatted(self, text: str) -> None:
        self._write("", *_lines(text))


class HtmlSyntax(DocumentSyntax):
    """One HTML5 page; every value escaped."""

    @staticmethod
    def _t(text: str) -> str:
        return escape(text, quote=True)

    def _write(self, markup: str) -> None:
        self._target.write(markup.encode("utf-8"))

    def _begin(self, title: str) -> None:
        self._write(
            '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
            f"<title>{self._t(title)}</title>"
            "<style>.text,pre{white-space:pre-wrap}li .text{margin-left:1.5em}</style>"
            f"</head>\n<body>\n<h1>{self._t(title)}</h1>\n"
        )

    def _heading(self, text: str) -> None:
        self._write(f"<h2>{self._t(text)}</h2>\n")

    def _subheading(self, text: str) -> None:
        self._write(f"<h3>{self._t(text)}</h3>\n")

    def _paragraph(self, text: str) -> None:
        self._write(f'<p class="text">{self._t(text)}</p>\n')

    def _open_list(self) -> None:
        self._write("<ul>\n")

    def _item(self, label: str, details: Sequence[str] = ()) -> None:
        more = "\n".join(details)
        block = f'<div class="text">{self._t(more)}</div>' if details else ""
        self._write(f"<li>{self._t(label)}{block}</li>\n")

    def _close_list(self) -> None:
        self._write("</ul>\n")

    def _preformatted(self, text: str) -> None:
        self._write(f"<pre>{self._t(text)}</pre>\n")

    def _finish(self) -> None:
        self._write("</body></html>\n")
