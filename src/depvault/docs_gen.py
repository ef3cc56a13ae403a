"""The generated documents: API coverage against the request catalog, and the settings.

``scripts/gen_docs.py`` (``make docs``) writes them to ``docs/``;
``tests/unit/test_generated_docs.py`` fails when a file there differs from what these
functions produce now. The output is deterministic (catalog order, sorted names, no
timestamps) so that check is a plain comparison.

The catalog (``spec/api-catalog.json``) lives in the ``shared`` folder beside the
repository, not inside it; ``DEPVAULT_CATALOG_PATH`` points elsewhere.
"""

from __future__ import annotations

import inspect
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from depvault.api.registry import Registry
from depvault.api.request_types import ALL_VERSIONS, ApiVersion, RequestType
from depvault.api_reference import EXAMPLES_FILE, load_examples, reference_blocks
from depvault.api_reference_render import to_markdown
from depvault.config import setting_docs
from depvault.domain.access import Level
from depvault.reports.catalog import REPORT_TYPES, ReportSpec

__all__ = [
    "API_COVERAGE_DOC",
    "API_REFERENCE_DIR",
    "CATALOG_ENV",
    "CONFIGURATION_DOC",
    "REGENERATE",
    "CatalogEntry",
    "Coverage",
    "Status",
    "catalog_path",
    "coverage",
    "coverage_lines",
    "load_catalog",
    "render_api_coverage",
    "render_api_reference",
    "render_configuration",
    "stale_docs",
    "status_of",
]

CATALOG_ENV = "DEPVAULT_CATALOG_PATH"
API_COVERAGE_DOC = Path("docs/api-coverage.md")
CONFIGURATION_DOC = Path("docs/configuration.md")
API_REFERENCE_DIR = Path("docs/api")
REGENERATE = "make docs"
_REGENERATE_LONG = "`make docs` (or `.venv/bin/python scripts/gen_docs.py`)"


@dataclass(frozen=True)
class CatalogEntry:
    """One request type of the catalog, as far as the generated docs and tests need it."""

    request_type: str
    category: str
    scope: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    note: str
    verified: bool


def catalog_path(repo_root: Path) -> Path:
    """Where the catalog is: ``$DEPVAULT_CATALOG_PATH``, else
    ``<repo_root>/../shared/spec/api-catalog.json`` when ``shared`` is cloned beside the
    repository (the newest copy), else the repository's own copy in ``tests/data/spec``
    (so a bare clone checks the same table)."""
    override = os.environ.get(CATALOG_ENV)
    if override:
        return Path(override)
    shared = repo_root.resolve().parent / "shared" / "spec" / "api-catalog.json"
    if shared.is_file():
        return shared
    return repo_root.resolve() / "tests" / "data" / "spec" / "api-catalog.json"


def load_catalog(path: Path) -> list[CatalogEntry]:
    """The catalog's entries in file order; raises ``FileNotFoundError`` when absent."""
    raw: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return [
        CatalogEntry(
            request_type=item["requestType"],
            category=item["category"],
            scope=item["scope"],
            required=tuple(item.get("required", ())),
            optional=tuple(item.get("optional", ())),
            note=item.get("note", ""),
            verified=bool(item.get("verified", False)),
        )
        for item in raw
    ]


class Status(StrEnum):
    """Where depvault stands on one catalog request type."""

    IMPLEMENTED = "implemented"
    REFUSED = "refused"
    NOT_YET = "not yet"


def status_of(name: str, registry: Registry) -> Status:
    """Implemented (registered and supported), refused (registered, ``supported=False``)
    or not yet (not registered)."""
    request_type = registry.get(name)
    if request_type is None:
        return Status.NOT_YET
    return Status.IMPLEMENTED if request_type.supported else Status.REFUSED


@dataclass(frozen=True)
class Coverage:
    """The counts of one catalog category (or of the whole catalog)."""

    category: str
    catalog: int
    implemented: int
    refused: int
    not_yet: int

    @property
    def percent(self) -> float:
        """Implemented request types as a share of the catalog's, in percent."""
        return 100.0 * self.implemented / self.catalog if self.catalog else 0.0


def _categories(catalog: Sequence[CatalogEntry]) -> list[str]:
    return list(dict.fromkeys(entry.category for entry in catalog))


def _count(category: str, entries: Iterable[CatalogEntry], registry: Registry) -> Coverage:
    statuses = [status_of(entry.request_type, registry) for entry in entries]
    return Coverage(
        category=category,
        catalog=len(statuses),
        implemented=statuses.count(Status.IMPLEMENTED),
        refused=statuses.count(Status.REFUSED),
        not_yet=statuses.count(Status.NOT_YET),
    )


def coverage(catalog: Sequence[CatalogEntry], registry: Registry) -> list[Coverage]:
    """One :class:`Coverage` per category in catalog order, then the total (``"all"``)."""
    rows = [
        _count(category, (e for e in catalog if e.category == category), registry)
        for category in _categories(catalog)
    ]
    rows.append(_count("all", catalog, registry))
    return rows


def coverage_lines(catalog: Sequence[CatalogEntry], registry: Registry) -> list[str]:
    """The coverage as one plain line per category and a last one for the whole catalog."""
    return [
        f"{row.category}: {row.implemented}/{row.catalog} implemented "
        f"({row.percent:.1f} %), {row.refused} refused, {row.not_yet} not yet"
        for row in coverage(catalog, registry)
    ]


# --- markdown --------------------------------------------------------------------------


def _cell(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def _table(header: Sequence[str], align: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(align) + "|",
    ]
    lines.extend("| " + " | ".join(_cell(c) for c in row) + " |" for row in rows)
    return "\n".join(lines)


def _refusal_reason(request_type: RequestType[Any]) -> str:
    """Why a request type is refused: its handler's first docstring line, else its
    summary."""
    doc = inspect.getdoc(request_type.handler)
    if doc:
        return doc.splitlines()[0]
    return request_type.summary or "not supported"


def _status_cell(name: str, registry: Registry) -> str:
    status = status_of(name, registry)
    if status is Status.IMPLEMENTED:
        return "✅ implemented"
    if status is Status.REFUSED:
        request_type = registry.get(name)
        assert request_type is not None
        return f"⛔ refused: {_refusal_reason(request_type)}"
    return "— not yet"


def _notes(request_type: RequestType[Any]) -> str:
    notes = []
    if request_type.product_roles_may_call_org:
        notes.append("product roles may call (sees own products)")
    if request_type.site_admin_only:
        notes.append("site administrator only")
    notes.extend(
        f"`{token}` is a parameter, not the scope" for token in sorted(request_type.token_params)
    )
    if request_type.versions != ALL_VERSIONS:
        versions = ", ".join(sorted(v.value for v in request_type.versions))
        notes.append(f"API versions {versions} only")
    return "; ".join(notes)


def _entry_row(entry: CatalogEntry, registry: Registry) -> list[str]:
    request_type = registry.get(entry.request_type)
    access = request_type.access.name.lower() if request_type else ""
    notes = _notes(request_type) if request_type else ""
    return [
        f"`{entry.request_type}`",
        entry.scope,
        _status_cell(entry.request_type, registry),
        access,
        notes,
    ]


def _summary_section(catalog: Sequence[CatalogEntry], registry: Registry) -> str:
    rows = []
    for row in coverage(catalog, registry):
        cells = [
            row.category,
            str(row.catalog),
            str(row.implemented),
            str(row.refused),
            str(row.not_yet),
            f"{row.percent:.1f} %",
        ]
        if row.category == "all":
            cells = [f"**{c}**" for c in cells]
        rows.append(cells)
    table = _table(
        ["category", "catalog entries", "implemented", "refused", "not yet", "coverage"],
        ["---", "--:", "--:", "--:", "--:", "--:"],
        rows,
    )
    return "## Summary\n\n" + table


def _category_sections(catalog: Sequence[CatalogEntry], registry: Registry) -> list[str]:
    sections = []
    for category in _categories(catalog):
        table = _table(
            ["request type", "scope", "status", "access needed", "notes"],
            ["---", "---", "---", "---", "---"],
            (_entry_row(e, registry) for e in catalog if e.category == category),
        )
        sections.append(f"## {category}\n\n{table}")
    return sections


def _extensions_section(registry: Registry) -> str:
    return _request_list_section(
        "## depvault extensions\n\n"
        "Request types of depvault's own, not in Mend's API. They are not counted above.\n\n",
        [rt for rt in registry if rt.extension],
    )


def _v14_section(registry: Registry) -> str:
    return _request_list_section(
        "## Served at v1.4 only\n\n"
        "Mend request types of API v1.4 that clients send to `/api/v1.4` (the catalog is "
        "v1.3's). They are not counted above.\n\n",
        [rt for rt in registry if not rt.extension and ApiVersion.V1_3 not in rt.versions],
    )


def _request_list_section(intro: str, request_types: Sequence[RequestType[Any]]) -> str:
    if not request_types:
        return intro + "None."
    table = _table(
        ["request type", "scope", "access needed", "summary"],
        ["---", "---", "---", "---"],
        (
            [f"`{rt.name}`", rt.level.value, rt.access.name.lower(), rt.summary]
            for rt in request_types
        ),
    )
    return intro + table


def _uncatalogued_section(catalog: Sequence[CatalogEntry], registry: Registry) -> str:
    known = {entry.request_type for entry in catalog}
    strays = [
        rt
        for rt in registry
        if not rt.extension and ApiVersion.V1_3 in rt.versions and rt.name not in known
    ]
    intro = (
        "## Registered but not in the catalog\n\n"
        "Registered request types that are neither in the catalog nor marked as "
        "extensions. `tests/unit/test_catalog.py` keeps this list empty.\n\n"
    )
    if not strays:
        return intro + "None."
    table = _table(
        ["request type", "scope", "category", "access needed"],
        ["---", "---", "---", "---"],
        (
            [
                f"`{rt.name}`",
                rt.level.value,
                rt.category.value if rt.category else "",
                rt.access.name.lower(),
            ]
            for rt in strays
        ),
    )
    return intro + table


def render_api_coverage(catalog: Sequence[CatalogEntry], registry: Registry) -> str:
    """``docs/api-coverage.md``: every catalog request type and where depvault stands."""
    header = (
        "# API coverage\n\n"
        "Which request types of the Mend HTTP API v1.3 depvault answers. The tables "
        f"compare depvault's request table (`src/depvault/api/registry.py`) with the "
        f"request catalog (`shared/spec/api-catalog.json`, {len(catalog)} request types). "
        "This file is generated: do not edit it by hand, regenerate it with "
        f"{_REGENERATE_LONG}. `tests/unit/test_generated_docs.py` fails when it is stale.\n\n"
        "A request type is **implemented** when depvault registers and answers it, "
        "**refused** when it is registered only so that clients get a precise "
        '"not supported" error, and **not yet** when the catalog lists it but depvault '
        "does not register it (the server answers that the requestType is unknown). "
        "Coverage is implemented ÷ catalog entries. The scope is the catalog's; the "
        "access needed is what the caller's roles must grant at that scope."
    )
    parts = [
        header,
        _summary_section(catalog, registry),
        *_category_sections(catalog, registry),
        _extensions_section(registry),
        _v14_section(registry),
        _uncatalogued_section(catalog, registry),
        _report_types_section(),
    ]
    return "\n\n".join(parts) + "\n"


def _json_root(spec: ReportSpec) -> str:
    """The key a built report's JSON holds its rows under; a document report (an SBOM,
    an attribution) is one document with its own layout."""
    if not spec.built:
        return ""
    return "(one document)" if spec.document is not None else f"`{spec.root}`"


def _report_status(spec: Any) -> str:
    if not spec.built:
        return "⏳ not yet (precise error)"
    formats = "✅ " + ", ".join(spec.formats)
    return f"{formats}; always empty: {spec.always_empty}" if spec.always_empty else formats


def _report_types_section() -> str:
    """Every ``reportType`` of the asynchronous document, by scope, built or not."""
    rows = [
        [
            f"`{rt.name}`",
            {Level.ORG: "organization", Level.PRODUCT: "product", Level.PROJECT: "project"}[
                rt.level
            ],
            _report_status(rt.spec),
            _json_root(rt.spec),
        ]
        for rt in sorted(REPORT_TYPES.values(), key=lambda r: (r.level, r.name))
    ]
    built = sum(rt.spec.built for rt in REPORT_TYPES.values())
    empty = sum(bool(rt.spec.always_empty) for rt in REPORT_TYPES.values())
    intro = (
        "## Asynchronous report types\n\n"
        "The `reportType` values of `generate{Organization,Product,Project}ReportAsync` "
        f"(source document 003): {built} of {len(REPORT_TYPES)} are built. {empty} are "
        "**always empty**: they report data depvault does not hold (the reason is beside "
        "each), so they answer their headers and no rows, in every format offered, rather "
        "than an error that would stop tools requesting every report type in a loop. "
        "Organization report types are accepted spelled `Organization…Report` too "
        "(`OrganizationInventoryReport`, as ws-sdk builds them). Without `format`, a "
        "report comes as xlsx where it offers it, else in its first format. A format a "
        "report does not offer is refused with the list of those it does. The JSON root "
        "key is the one the downloaded file's object holds its rows under; a document "
        "report (an SBOM, an attribution) is one document in its own layout."
    )
    table = _table(["reportType", "scope", "formats", "JSON root"], ["---"] * 4, rows)
    return f"{intro}\n\n{table}"


def render_configuration(settings: Iterable[tuple[str, str, str]] | None = None) -> str:
    """``docs/configuration.md``: every ``DEPVAULT_*`` setting, its default and meaning."""
    rows = [
        [f"`{env}`", f"`{default}`" if default else "*(empty)*", doc]
        for env, default, doc in (setting_docs() if settings is None else settings)
    ]
    table = _table(["variable", "default", "meaning"], ["---", "---", "---"], rows)
    intro = (
        "# Configuration\n\n"
        "depvault reads its settings from `DEPVAULT_*` environment variables, once, when "
        "a process starts (`depvault serve`, and the commands that open the database); "
        "a change takes effect at the next start. An unset or empty variable keeps the default. "
        "The same settings may live in a TOML file (`--config FILE`, `$DEPVAULT_CONFIG`, or "
        "`depvault.toml` in the working folder), keyed by their names in lower case without "
        'the prefix (`data_dir = "/var/lib/depvault"`); the environment overrides the file, '
        "and a relative path in the file is relative to the file. "
        "The defaults are the embedded mode: SQLite in WAL mode under "
        "`DEPVAULT_DATA_DIR`, nothing to install beside Python, and the server on "
        "loopback only.\n\n"
        "This file is generated from `src/depvault/config.py`, the one place where "
        f"defaults live: do not edit it by hand, regenerate it with {_REGENERATE_LONG}."
    )
    postgres = (
        "## Using PostgreSQL\n\n"
        "Set `DEPVAULT_DATABASE_URL` to a SQLAlchemy URL of an existing database, for "
        "example `postgresql+psycopg://depvault@db.example:5432/depvault` (a plain "
        "`postgresql://` URL is taken to mean the psycopg 3 driver). `depvault serve` and "
        "the other commands that open the database first bring its schema to the newest "
        "migration, under an advisory lock so that several processes may start at once; "
        "`depvault db upgrade` does only that. `DEPVAULT_DB_POOL_SIZE` sets the "
        "connections each server process keeps open."
    )
    return f"{intro}\n\n{table}\n\n{postgres}\n"


def render_api_reference(registry: Registry) -> dict[Path, str]:
    """``docs/api/*.md``: the reference of every request type, one page per category."""
    pages = reference_blocks(registry, load_examples(EXAMPLES_FILE))
    return {API_REFERENCE_DIR / f"{slug}.md": to_markdown(blocks) for slug, blocks in pages.items()}


def stale_docs(repo_root: Path, docs: dict[Path, str]) -> list[Path]:
    """The documents (paths relative to ``repo_root``) whose file is missing or differs
    from the expected text."""
    stale = []
    for relative, expected in docs.items():
        path = repo_root / relative
        if not path.is_file() or path.read_text(encoding="utf-8") != expected:
            stale.append(relative)
    return stale
