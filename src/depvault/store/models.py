"""The relational schema: organizations, products, projects, people and their roles.

Every table is created by an Alembic migration (``store/migrations``), never by
``create_all``: a test compares these models with the migrated schema. Times are stored
as naive UTC (GMT, as the protocol records them) and turned aware on the way out.

Deleting a product or project removes everything under it through ``ON DELETE
CASCADE`` foreign keys, so one ``DELETE`` statement is one transaction whatever the size
of the tree (SQLite enforces them because the engine turns ``foreign_keys`` on).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

TOKEN_LENGTH = 64

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with stable constraint names, so migrations can refer to them."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _token() -> Mapped[str]:
    return mapped_column(String(TOKEN_LENGTH), unique=True, nullable=False)


def _created() -> Mapped[datetime]:
    return mapped_column(DateTime(), nullable=False)


class GlobalOrganization(Base):
    """A group of organizations administered together (Mend's "global organization")."""

    __tablename__ = "global_orgs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = _token()
    name: Mapped[str] = mapped_column(String(255), unique=True, nullable=False)
    created_at: Mapped[datetime] = _created()


class Organization(Base):
    """A tenant: its products, projects, users, groups and policies belong to it."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = _token()
    name: Mapped[str] = mapped_column(String(255), unique=True, nullable=False)
    global_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("global_orgs.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = _created()


class Product(Base):
    """A product of an organization; it holds projects."""

    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("org_id", "name", name="uq_products_org_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = _token()
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = mapped_column(DateTime(), nullable=False)


class Project(Base):
    """A project of a product: one inventory of libraries.

    ``org_id`` repeats the product's organization so that organization-wide queries over
    millions of rows need no join through products; moving a project between products
    is only allowed within one organization, which keeps it true.
    """

    __tablename__ = "projects"
    __table_args__ = (
        UniqueConstraint("product_id", "name", name="uq_projects_product_name"),
        Index("ix_projects_org_updated", "org_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = _token()
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), nullable=False, index=True
    )
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = mapped_column(DateTime(), nullable=False)
    plugin_name: Mapped[str | None] = mapped_column(String(255))
    uploaded_by: Mapped[str | None] = mapped_column(String(255))
    last_scan_comment: Mapped[str | None] = mapped_column(Text)
    last_request_token: Mapped[str | None] = mapped_column(String(TOKEN_LENGTH))


class ProductTag(Base):
    """One ``key: value`` tag of a product (a key may carry several values)."""

    __tablename__ = "product_tags"

    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(String(255), primary_key=True)


class ProjectTag(Base):
    """One ``key: value`` tag of a project (a key may carry several values)."""

    __tablename__ = "project_tags"
    __table_args__ = (Index("ix_project_tags_key_value", "key", "value"),)

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(String(255), primary_key=True)


class User(Base):
    """A person or a service account.

    A person (one e-mail address) may belong to several organizations and has one
    personal key for all of them, as in Mend. A service user belongs to exactly one
    organization. Only a SHA-256 digest of the key is stored (see ``domain.secrets``).
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    key_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    key_created_at: Mapped[datetime | None] = mapped_column(DateTime())
    is_service: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_site_admin: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = _created()


class OrgMember(Base):
    """Membership of a user in an organization; roles are granted on top of it."""

    __tablename__ = "org_members"

    org_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = _created()
    invited_by: Mapped[str | None] = mapped_column(String(320))


class Group(Base):
    """A named set of users of one organization; roles may be granted to it."""

    __tablename__ = "user_groups"
    __table_args__ = (UniqueConstraint("org_id", "name", name="uq_user_groups_org_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()


class GroupMember(Base):
    """A user's membership in a group."""

    __tablename__ = "group_members"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("user_groups.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class RoleAssignment(Base):
    """A role granted to a user or a group at one global organization, organization or
    product. Exactly one scope column and exactly one principal column are set; the
    foreign keys cascade, so deleting a scope or a principal removes its grants.
    """

    __tablename__ = "role_assignments"
    __table_args__ = (
        CheckConstraint(
            "CASE WHEN global_org_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN org_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN product_id IS NULL THEN 0 ELSE 1 END = 1",
            name="one_scope",
        ),
        CheckConstraint(
            "CASE WHEN user_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN group_id IS NULL THEN 0 ELSE 1 END = 1",
            name="one_principal",
        ),
        Index("ix_role_assignments_user", "user_id"),
        Index("ix_role_assignments_group", "group_id"),
        Index("ix_role_assignments_org", "org_id"),
        Index("ix_role_assignments_product", "product_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    role: Mapped[str] = mapped_column(String(40), nullable=False)
    global_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("global_orgs.id", ondelete="CASCADE")
    )
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("user_groups.id", ondelete="CASCADE"))


class ChangeLogEntry(Base):
    """One configuration change: who made it, when, where, and the values before/after.

    Rows keep names rather than foreign keys to what changed, so the log outlives the
    products and projects it speaks of; ``getChangesReport`` reads it.
    """

    __tablename__ = "change_log"
    __table_args__ = (Index("ix_change_log_org_at", "org_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(), nullable=False)
    org_id: Mapped[int | None] = mapped_column(Integer)
    org_name: Mapped[str | None] = mapped_column(String(255))
    product_id: Mapped[int | None] = mapped_column(Integer)
    product_name: Mapped[str | None] = mapped_column(String(255))
    project_id: Mapped[int | None] = mapped_column(Integer)
    project_name: Mapped[str | None] = mapped_column(String(255))
    scope: Mapped[str] = mapped_column(String(20), nullable=False)
    scope_name: Mapped[str] = mapped_column(String(255), nullable=False)
    category: Mapped[str] = mapped_column(String(40), nullable=False)
    change_class: Mapped[str] = mapped_column(String(40), nullable=False)
    aspect: Mapped[str] = mapped_column(String(40), nullable=False)
    operator: Mapped[str] = mapped_column(String(20), nullable=False)
    user_email: Mapped[str | None] = mapped_column(String(320))
    before: Mapped[Any] = mapped_column(JSON, nullable=False)
    after: Mapped[Any] = mapped_column(JSON, nullable=False)


# --- inventories -----------------------------------------------------------------------

BigId = BigInteger().with_variant(Integer(), "sqlite")


class Library(Base):
    """One catalog entry per library identity (``domain.identity``), shared by every
    organization; ``id`` is the protocol's ``keyId``, ``key_uuid`` its ``keyUuid``."""

    __tablename__ = "libraries"
    __table_args__ = (Index("ix_libraries_ecosystem_name", "ecosystem", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(2048), unique=True, nullable=False)
    key_uuid: Mapped[str] = mapped_column(String(36), unique=True, nullable=False)
    ecosystem: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(512), nullable=False)
    group_id: Mapped[str | None] = mapped_column(String(512))
    version: Mapped[str | None] = mapped_column(String(255))
    classifier: Mapped[str | None] = mapped_column(String(255))
    packaging: Mapped[str | None] = mapped_column(String(64))
    purl: Mapped[str | None] = mapped_column(String(2048))
    library_type: Mapped[str] = mapped_column(String(64), nullable=False)
    filename: Mapped[str] = mapped_column(String(1024), nullable=False)
    sha1: Mapped[str | None] = mapped_column(String(40), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    license_expression: Mapped[str | None] = mapped_column(Text)
    copyright: Mapped[str | None] = mapped_column(Text)
    references: Mapped[Any] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = _created()


class LibraryLicense(Base):
    """A license of a library, as a normalised SPDX id (or ``LicenseRef-…``)."""

    __tablename__ = "library_licenses"

    library_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("libraries.id", ondelete="CASCADE"), primary_key=True
    )
    license_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    name: Mapped[str] = mapped_column(String(512), nullable=False)


class ProjectLibrary(Base):
    """A library in a project's inventory: direct or transitive, its scope and its
    depth (1 = direct; the shortest path from the project)."""

    __tablename__ = "project_libraries"
    __table_args__ = (Index("ix_project_libraries_library", "library_id"),)

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    library_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("libraries.id", ondelete="CASCADE"), primary_key=True
    )
    direct: Mapped[bool] = mapped_column(Boolean, nullable=False)
    depth: Mapped[int] = mapped_column(Integer, nullable=False)
    scope: Mapped[str | None] = mapped_column(String(40))


class ProjectDependency(Base):
    """An edge of a project's dependency graph: ``parent`` depends on ``child``."""

    __tablename__ = "project_dependencies"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    parent_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("libraries.id", ondelete="CASCADE"), primary_key=True
    )
    child_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("libraries.id", ondelete="CASCADE"), primary_key=True
    )


class LibraryLocation(Base):
    """Where a library was found in a project: a path and/or a dependency file."""

    __tablename__ = "library_locations"
    __table_args__ = (Index("ix_library_locations_project_library", "project_id", "library_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )
    library_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("libraries.id", ondelete="CASCADE"), nullable=False
    )
    path: Mapped[str | None] = mapped_column(String(4096))
    dependency_file: Mapped[str | None] = mapped_column(String(4096))


class SourceFileRow(Base):
    """A source file of a project attributed to a library."""

    __tablename__ = "source_files"
    __table_args__ = (Index("ix_source_files_project_library", "project_id", "library_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )
    library_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("libraries.id", ondelete="CASCADE"), nullable=False
    )
    sha1: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(1024), nullable=False)
    path: Mapped[str | None] = mapped_column(String(4096))


class UpdateRequest(Base):
    """One inventory update (agent UPDATE or SBOM import), known to clients by its
    ``request_token``; its per-project work is in :class:`UpdateItem`."""

    __tablename__ = "update_requests"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    request_token: Mapped[str] = mapped_column(String(TOKEN_LENGTH), unique=True, nullable=False)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    channel: Mapped[str] = mapped_column(String(20), nullable=False)
    update_type: Mapped[str] = mapped_column(String(20), nullable=False)
    user_email: Mapped[str | None] = mapped_column(String(320))
    agent: Mapped[str | None] = mapped_column(String(255))
    agent_version: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = _created()


class UpdateItem(Base):
    """The update of one project by one request: its state and, until processed, its
    normalized inventory (gzip-compressed JSON). Two items of one project never run at
    once; a queued item superseded by a newer full update is SKIPPED."""

    __tablename__ = "update_items"
    __table_args__ = (
        Index("ix_update_items_state_id", "state", "id"),
        Index("ix_update_items_project_state", "project_id", "state"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("update_requests.id", ondelete="CASCADE"), nullable=False, index=True
    )
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), nullable=False
    )
    state: Mapped[str] = mapped_column(String(20), nullable=False)
    failure_reason: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)
    components: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    queued_at: Mapped[datetime] = mapped_column(DateTime(), nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(DateTime())
    updated_at: Mapped[datetime | None] = mapped_column(DateTime())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime())


# --- per-organization library facts ---------------------------------------------------


class LibraryNotice(Base):
    """An organization's notice text for a library (``setLibraryNotice``), printed by
    ``getNoticesTextFile`` for the products that use the library."""

    __tablename__ = "library_notices"

    org_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    library_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("libraries.id", ondelete="CASCADE"), primary_key=True
    )
    text: Mapped[str] = mapped_column(Text, nullable=False)
    reference: Mapped[str | None] = mapped_column(String(4096))
    updated_at: Mapped[datetime] = mapped_column(DateTime(), nullable=False)


class InHouseLibrary(Base):
    """A library an organization marked as its own (in-house) code."""

    __tablename__ = "in_house_libraries"

    org_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    library_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("libraries.id", ondelete="CASCADE"), primary_key=True
    )
    marked_at: Mapped[datetime] = mapped_column(DateTime(), nullable=False)


# --- knowledge -------------------------------------------------------------------------


class Advisory(Base):
    """A vulnerability advisory imported from OSV (``domain.osv_records``); ``key`` is
    the OSV id, ``name`` what responses show (a CVE alias when there is one)."""

    __tablename__ = "advisories"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False, index=True)
    type: Mapped[str] = mapped_column(String(8), nullable=False)
    aliases: Mapped[Any] = mapped_column(JSON, nullable=False)
    modified: Mapped[datetime] = mapped_column(DateTime(), nullable=False)
    published: Mapped[datetime | None] = mapped_column(DateTime())
    withdrawn: Mapped[datetime | None] = mapped_column(DateTime())
    summary: Mapped[str] = mapped_column(Text, nullable=False)
    details: Mapped[str] = mapped_column(Text, nullable=False)
    cvss2_score: Mapped[float | None] = mapped_column(Float)
    cvss2_vector: Mapped[str | None] = mapped_column(String(255))
    cvss3_score: Mapped[float | None] = mapped_column(Float)
    cvss3_vector: Mapped[str | None] = mapped_column(String(255))
    cvss4_score: Mapped[float | None] = mapped_column(Float)
    cvss4_vector: Mapped[str | None] = mapped_column(String(512))
    band: Mapped[str] = mapped_column(String(10), nullable=False)
    scored: Mapped[bool] = mapped_column(Boolean, nullable=False)
    references: Mapped[Any] = mapped_column(JSON, nullable=False)


class AdvisoryPackage(Base):
    """One ``affected[]`` entry of an advisory: the package (ecosystem, normalised name)
    and what decides its versions (ranges, explicit versions, fixes) as JSON."""

    __tablename__ = "advisory_packages"
    __table_args__ = (Index("ix_advisory_packages_package", "ecosystem", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    advisory_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("advisories.id", ondelete="CASCADE"), nullable=False, index=True
    )
    ecosystem: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(512), nullable=False)
    ranges: Mapped[Any] = mapped_column(JSON, nullable=False)
    versions: Mapped[Any] = mapped_column(JSON, nullable=False)
    fixed: Mapped[Any] = mapped_column(JSON, nullable=False)


class LibraryVulnerability(Base):
    """A catalog library affected by an advisory (vulnerability is a property of a
    library version, so every project holding it shares the match)."""

    __tablename__ = "library_vulnerabilities"

    library_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("libraries.id", ondelete="CASCADE"), primary_key=True
    )
    advisory_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("advisories.id", ondelete="CASCADE"), primary_key=True, index=True
    )
