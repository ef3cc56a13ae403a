"""The Risk report's layout: reportlab's platypus, as DESIGN.md picks for summary pages.

The tabular writer (``writers.write_pdf``) draws one long table at canvas level for
speed; this is a document of headed sections and short tables (every list is cut to
its top entries before it gets here), where platypus' flowables give wrapping, paging
and repeated table headers for free. Text is shown as Helvetica can (WinAnsi; other
characters become "?", as in the tabular writer) and escaped for platypus' markup.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, BinaryIO
from xml.sax.saxutils import escape

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.enums import TA_RIGHT  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    Paragraph,
    SimpleDocTemplate,
    Table,
    TableStyle,
)

from depvault.domain.timefmt import format_timestamp
from depvault.reports.risk.libraries import VulnerableLibrary
from depvault.reports.risk.model import Counted, RiskFigures
from depvault.reports.risk.scopes import ScopeRisk

__all__ = ["render_risk_pdf"]

_MARGIN = 40
_WIDTH = A4[0] - 2 * _MARGIN
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_LONGEST = 120  # characters of a name shown; the rest is cut with "…"
_STYLES = getSampleStyleSheet()
_CELL = ParagraphStyle("cell", parent=_STYLES["BodyText"], fontSize=8, leading=10)
_HEAD = ParagraphStyle("head", parent=_CELL, fontName="Helvetica-Bold")
_HEAD_RIGHT = ParagraphStyle("head-right", parent=_HEAD, alignment=TA_RIGHT)
_NOTE = ParagraphStyle("note", parent=_STYLES["BodyText"], fontSize=8, textColor=colors.grey)
_GRID = TableStyle(
    [
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8ECF2")),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#B0B8C4")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
)
_RISK_HEADER = ("High", "Medium", "Low", "New major", "New minor", "Multiple")


def render_risk_pdf(figures: RiskFigures, target: BinaryIO) -> None:
    """Write the report of ``figures`` as a PDF into ``target``."""
    title = f"Risk Report: {figures.noun} {figures.scope_name}"
    document = SimpleDocTemplate(
        target,
        pagesize=A4,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=_MARGIN,
        bottomMargin=_MARGIN,
        title=_shown(title),
        author="depvault",
    )

    def footer(canvas: Any, doc: Any) -> None:
        canvas.setFont("Helvetica", 7)
        canvas.drawCentredString(A4[0] / 2, _MARGIN / 2, f"{_shown(title)} - page {doc.page}")

    story = [
        *_heading(figures),
        *_summary(figures),
        *_vulnerabilities(figures),
        *_licenses(figures),
        *_outdated(figures),
        *_ranking(figures),
    ]
    document.build(story, onFirstPage=footer, onLaterPages=footer)


# --- sections ---------------------------------------------------------------------------


def _heading(figures: RiskFigures) -> list[Any]:
    return [
        Paragraph("Risk Report", _STYLES["Title"]),
        Paragraph(f"{figures.noun}: {_text(figures.scope_name)}", _STYLES["Heading2"]),
        Paragraph(f"Generated: {format_timestamp(figures.generated)} GMT", _STYLES["BodyText"]),
        Paragraph(
            "Alert figures count open (Active) alerts; ignored and resolved alerts are left "
            "out. Severities are the v1.3 bands, critical counted as high.",
            _NOTE,
        ),
    ]


def _summary(figures: RiskFigures) -> list[Any]:
    h = figures.headline
    rows = [
        ("Products", h.products),
        ("Projects", h.projects),
        ("Libraries (distinct)", h.libraries),
        ("Library instances", h.instances),
    ]
    return [
        _section("Summary"),
        _table(("Figure", "Count"), rows, (0.45, 0.2)),
    ]


def _vulnerabilities(figures: RiskFigures) -> list[Any]:
    total_alerts = sum(c.count for c in figures.severities)
    rows: list[Sequence[object]] = [_counted(c) for c in figures.severities]
    rows.append(("Total", total_alerts, figures.vulnerable_libraries))
    flowables = [
        _section("Vulnerabilities"),
        _table(("Severity", "Open alerts", "Libraries"), rows, (0.45, 0.2, 0.2)),
        Paragraph(
            f"Vulnerable libraries: {figures.vulnerable_libraries:,} of "
            f"{figures.headline.libraries:,}.",
            _CELL,
        ),
    ]
    top = figures.top_libraries
    if not top:
        return flowables
    return [
        *flowables,
        _subsection(
            f"Most vulnerable libraries (top {len(top)} of {figures.vulnerable_libraries:,})"
        ),
        _table(
            ("Library", "Severity", "Alerts", "Vulnerabilities", "Projects", "Top fix"),
            [_library(lib) for lib in top],
            (0.3, 0.1, 0.09, 0.14, 0.1, 0.27),
        ),
    ]


def _licenses(figures: RiskFigures) -> list[Any]:
    rows = [(c.label, c.libraries, c.count) for c in (*figures.license_risks, figures.unlicensed)]
    flowables = [
        _section("Licenses"),
        _table(("License category", "Libraries", "Instances"), rows, (0.45, 0.2, 0.2)),
        Paragraph(
            f"Libraries without a license: {figures.unlicensed.libraries:,} of "
            f"{figures.headline.libraries:,}.",
            _CELL,
        ),
    ]
    if not figures.concerns:
        return flowables
    shown = len(figures.concerns)
    return [
        *flowables,
        _subsection(f"Licenses beyond attribution (top {shown} of {figures.concern_total:,})"),
        _table(
            ("License", "Name", "Category", "Copyleft", "Libraries"),
            [(c.license_id, c.name, c.category, c.copyleft, c.libraries) for c in figures.concerns],
            (0.25, 0.33, 0.17, 0.12, 0.13),
        ),
    ]


def _outdated(figures: RiskFigures) -> list[Any]:
    return [
        _section("Outdated libraries"),
        _table(
            ("Alert", "Open alerts", "Libraries"),
            [_counted(c) for c in figures.outdated],
            (0.45, 0.2, 0.2),
        ),
    ]


def _ranking(figures: RiskFigures) -> list[Any]:
    """Products (organization) and projects (organization, product) by open alerts:
    high first, then medium, low, new major, new minor, multiple versions."""
    flowables: list[Any] = []
    if figures.products is not None:
        flowables += _ranked(
            "Products",
            figures.headline.products,
            ("Product", "Projects", "Instances", *_RISK_HEADER),
            [(p.name, p.projects, p.instances, *_risk(p)) for p in figures.products],
            (0.2, 0.1, 0.11, *([0.09] * 6)),
        )
    if figures.projects is not None and figures.products is None:  # one product
        flowables += _ranked(
            "Projects",
            figures.headline.projects,
            ("Project", "Instances", *_RISK_HEADER),
            [(p.name, p.instances, *_risk(p)) for p in figures.projects],
            (0.3, 0.11, *([0.09] * 6)),
        )
    elif figures.projects is not None:
        flowables += _ranked(
            "Projects",
            figures.headline.projects,
            ("Project", "Product", "Instances", *_RISK_HEADER),
            [(p.name, p.product, p.instances, *_risk(p)) for p in figures.projects],
            (0.18, 0.15, 0.11, *([0.09] * 6)),
        )
    return flowables


def _ranked(
    what: str,
    total: int,
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    shares: Sequence[float],
) -> list[Any]:
    if not rows:
        return [_section(f"{what} by risk"), Paragraph(f"No {what.lower()}.", _CELL)]
    return [
        _section(f"{what} by risk (top {len(rows)} of {total:,})"),
        _table(header, rows, shares),
    ]


# --- building blocks ------------------------------------------------------------------------


def _library(lib: VulnerableLibrary) -> tuple[object, ...]:
    fix = f"Upgrade to version {lib.top_fix}" if lib.top_fix else "none known"
    return (lib.filename, lib.band.capitalize(), lib.alerts, lib.vulnerabilities, lib.projects, fix)


def _risk(row: ScopeRisk) -> tuple[int, ...]:
    return (row.high, row.medium, row.low, row.major, row.minor, row.multiple)


def _counted(counted: Counted) -> tuple[object, ...]:
    return (counted.label, counted.count, counted.libraries)


def _section(text: str) -> Paragraph:
    return Paragraph(_text(text), _STYLES["Heading2"])


def _subsection(text: str) -> Paragraph:
    return Paragraph(_text(text), _STYLES["Heading4"])


def _table(
    header: Sequence[str], rows: Sequence[Sequence[object]], shares: Sequence[float]
) -> Table:
    """A table of ``shares`` of the page width; text cells wrap, numbers are
    right-aligned with thousands separators, the header repeats on every page."""
    numeric = {
        index
        for index in range(len(header))
        if rows and all(isinstance(row[index], int) for row in rows)
    }
    cells = [
        [
            Paragraph(_text(title), _HEAD_RIGHT if index in numeric else _HEAD)
            for index, title in enumerate(header)
        ]
    ]
    for row in rows:
        cells.append(
            [
                f"{value:,}" if isinstance(value, int) else Paragraph(_text(str(value)), _CELL)
                for value in row
            ]
        )
    table = Table(
        cells, colWidths=[share * _WIDTH for share in shares], repeatRows=1, hAlign="LEFT"
    )
    style = TableStyle(_GRID.getCommands())
    for index in numeric:
        style.add("ALIGN", (index, 1), (index, -1), "RIGHT")
    table.setStyle(style)
    return table


def _shown(text: str) -> str:
    """``text`` as Helvetica can show it: WinAnsi (Latin-1 and a few more) only, no
    control characters, at most ``_LONGEST`` characters."""
    if not (text.isascii() and text.isprintable()):
        text = _CONTROL.sub(" ", text.encode("cp1252", "replace").decode("cp1252"))
    return text if len(text) <= _LONGEST else text[: _LONGEST - 1] + "…"


def _text(text: str) -> str:
    """``text`` for a platypus paragraph (whose markup reads ``<``, ``>`` and ``&``)."""
    return escape(_shown(text))
