"""The relational schema.

Every table is created by an Alembic migration (``store/migrations``), never by
``create_all``: a test compares these models with the migrated schema. Times are stored
as naive UTC (GMT, as the protocol records them) and turned aware on the way out.

Deleting a product or project removes everything under it through ``ON DELETE
CASCADE`` foreign keys, so one ``DELETE`` statement is one transaction whatever the size
of the tree (SQLite enforces them because the engine turns ``foreign_keys`` on).

The tables live in one module per subject; this package re-exports them all, and
importing it registers every table on ``Base.metadata`` (Alembic compares against it).
"""

from __future__ import annotations

from depvault.store.models.alerts import Alert, AlertEvent
from depvault.store.models.attributes import CustomAttribute, CustomAttributeValue
from depvault.store.models.base import TOKEN_LENGTH, Base, BigId, never_reuse_ids
from depvault.store.models.changes import ChangeLogEntry
from depvault.store.models.counters import ChangeCounter
from depvault.store.models.inventory import (
    InventoryChange,
    Library,
    LibraryLicense,
    LibraryLocation,
    ProjectDependency,
    ProjectLibrary,
    SourceFileRow,
)
from depvault.store.models.knowledge import (
    Advisory,
    AdvisoryIdentifier,
    AdvisoryPackage,
    LibraryVulnerability,
    MatchedLibrary,
    NewestRelease,
    PendingRegroup,
    PendingRematch,
)
from depvault.store.models.knowledge_sources import KnowledgeSource
from depvault.store.models.library_facts import InHouseLibrary, LibraryNotice
from depvault.store.models.migration_runs import MigrationRun, MigrationStep
from depvault.store.models.organizations import (
    GlobalOrganization,
    Organization,
    Product,
    ProductTag,
    Project,
    ProjectTag,
)
from depvault.store.models.people import Group, GroupMember, OrgMember, RoleAssignment, User
from depvault.store.models.plugin_checks import PluginPolicyViolation
from depvault.store.models.policies import Policy
from depvault.store.models.policy_issues import PendingTask, PolicyIssue
from depvault.store.models.reports import AsyncProcess, ReportChunk
from depvault.store.models.sessions import ConsoleSession
from depvault.store.models.signals import (
    EpssScore,
    KevEntry,
    KnowledgeFeedFile,
    KnowledgeImport,
    NvdCve,
)
from depvault.store.models.updates import UpdateItem, UpdateRequest

never_reuse_ids(Base.metadata)

__all__ = [
    "TOKEN_LENGTH",
    "Advisory",
    "AdvisoryIdentifier",
    "AdvisoryPackage",
    "Alert",
    "AlertEvent",
    "AsyncProcess",
    "Base",
    "BigId",
    "ChangeCounter",
    "ChangeLogEntry",
    "ConsoleSession",
    "CustomAttribute",
    "CustomAttributeValue",
    "EpssScore",
    "GlobalOrganization",
    "Group",
    "GroupMember",
    "InHouseLibrary",
    "InventoryChange",
    "KevEntry",
    "KnowledgeFeedFile",
    "KnowledgeImport",
    "KnowledgeSource",
    "Library",
    "LibraryLicense",
    "LibraryLocation",
    "LibraryNotice",
    "LibraryVulnerability",
    "MatchedLibrary",
    "MigrationRun",
    "MigrationStep",
    "NewestRelease",
    "NvdCve",
    "OrgMember",
    "Organization",
    "PendingRegroup",
    "PendingRematch",
    "PendingTask",
    "PluginPolicyViolation",
    "Policy",
    "PolicyIssue",
    "Product",
    "ProductTag",
    "Project",
    "ProjectDependency",
    "ProjectLibrary",
    "ProjectTag",
    "ReportChunk",
    "RoleAssignment",
    "SourceFileRow",
    "UpdateItem",
    "UpdateRequest",
    "User",
]
