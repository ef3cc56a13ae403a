"""What an organization says about libraries: in-house marks (catalog §6.6) and the
library a source file comes from (``changeOriginLibrary``, §6.5).

In-house marks belong to the organization and cover the library wherever its projects
use it. The catalog knows the readers (``get…InHouseLibraries``) and an unmarking
request from a table of contents only (``unmarkInHouseLibraries``, name and parameters
unverified); marking is depvault's own ``markInHouseLibraries``. Both take
``libraries``: key UUIDs, as strings or as ``{"keyUuid": …}`` objects.
"""

from __future__ import annotations

import re

from pydantic import Field

from depvault.api.call import Call
from depvault.api.handlers.shapes.common import library_json
from depvault.api.request_types import (
    Category,
    NoParams,
    Params,
    RequestType,
    Result,
    in_category,
)
from depvault.domain.access import Access, Level
from depvault.errors import InvalidLibrary, InvalidParameter
from depvault.store.inventories import library_marks as marks
from depvault.store.inventories import library_reads
from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.organizations.changelog import Change, record_change

__all__ = ["REQUEST_TYPES"]

_SHA1 = re.compile(r"^[0-9a-f]{40}$")


def get_in_house_libraries(call: Call, params: NoParams) -> Result:
    """The libraries of the scope's inventories that the organization marked in-house."""
    rows = library_reads.scoped_libraries(
        call.db, call.projects(), only=marks.in_house_ids_query(call.org.id)
    )
    return {"libraries": [library_json(r) for r in rows]}


class LibraryKeyItem(Params):
    key_uuid: str = Field(min_length=1, max_length=64)


class InHouseParams(Params):
    libraries: list[str | LibraryKeyItem] = Field(min_length=1, max_length=10_000)

    def key_uuids(self) -> list[str]:
        """The key UUIDs named, in order, without repeats."""
        keys = (i if isinstance(i, str) else i.key_uuid for i in self.libraries)
        return list(dict.fromkeys(k.strip() for k in keys))


def _set_in_house(call: Call, params: InHouseParams, marked: bool) -> Result:
    wanted = params.key_uuids()
    org = ProjectFilter(org_id=call.org.id)
    # unmarking also reaches libraries no project of the organization uses any more
    marked_ids = None if marked else marks.in_house_ids_query(call.org.id)
    found = library_reads.libraries_in_scope(call.db, org, wanted, or_ids=marked_ids)
    missing = [k for k in wanted if k not in found]
    if missing:
        raise InvalidLibrary("libraries", missing[0])
    changed = marks.set_in_house(
        call.db, call.org.id, [lib.id for lib in found.values()], marked, call.now
    )
    names = [found[k].filename for k in wanted]
    record_change(
        call.db,
        call.now,
        call.caller,
        call.scope,
        Change(
            "IN_HOUSE_LIBRARY",
            "ADDED" if marked else "REMOVED",
            before=None if marked else names,
            after=names if marked else None,
        ),
    )
    state = "marked as in-house" if marked else "no longer marked as in-house"
    return {"message": f"{changed} of {len(wanted)} libraries {state}"}


def mark_in_house_libraries(call: Call, params: InHouseParams) -> Result:
    """Mark libraries of the organization's inventories as in-house. Raises
    InvalidLibrary (8000) for a key UUID no project of the organization uses."""
    return _set_in_house(call, params, True)


def unmark_in_house_libraries(call: Call, params: InHouseParams) -> Result:
    """Take the in-house mark off libraries. Raises InvalidLibrary (8000) for a key
    UUID that is neither marked nor used by the organization."""
    return _set_in_house(call, params, False)


class ChangeOriginLibrary(Params):
    target_key_uuid: str = Field(min_length=1, max_length=64)
    source_files: list[str] = Field(min_length=1, max_length=100_000)
    user_comments: str | None = Field(default=None, max_length=4000)


def change_origin_library(call: Call, params: ChangeOriginLibrary) -> Result:
    """Attribute source files (by SHA-1) of the scope's projects to another library of
    the organization, which joins those projects' inventories as a direct dependency
    where it was missing. Synchronous: the asynchronous variant comes with the reports
    engine. Raises InvalidLibrary (8000) for a targetKeyUuid that no project of the
    organization uses; SHA-1s matching no source file are left alone (the answer
    counts what moved)."""
    sha1s = []
    for index, value in enumerate(params.source_files):
        sha1 = value.strip().lower()
        if not _SHA1.match(sha1):
            raise InvalidParameter(f"sourceFiles[{index}]", "expected 40 hexadecimal digits")
        sha1s.append(sha1)
    target = library_reads.library_in_scope(
        call.db, ProjectFilter(org_id=call.org.id), params.target_key_uuid
    )
    if target is None:
        raise InvalidLibrary("targetKeyUuid", params.target_key_uuid)
    moved, joined = marks.move_source_files(call.db, call.projects(), sha1s, target.id)
    record_change(
        call.db,
        call.now,
        call.caller,
        call.scope,
        Change(
            "SOURCE_FILE",
            "MOVED",
            before={"sourceFiles": sorted(set(sha1s))},
            after={
                "library": target.filename,
                "keyUuid": target.key_uuid,
                "movedSourceFiles": moved,
                "userComments": params.user_comments,
            },
        ),
    )
    return {
        "message": f"Origin library changed to {target.filename} for {moved} of "
        f"{len(set(sha1s))} source files",
        "movedSourceFiles": moved,
        "projectsWithNewLibrary": joined,
    }


REQUEST_TYPES = in_category(
    Category.ORGANIZATION,
    [
        RequestType("getOrganizationInHouseLibraries", Level.ORG, NoParams, get_in_house_libraries),
        RequestType("getProductInHouseLibraries", Level.PRODUCT, NoParams, get_in_house_libraries),
        RequestType("getProjectInHouseLibraries", Level.PROJECT, NoParams, get_in_house_libraries),
        RequestType(
            "markInHouseLibraries",
            Level.ORG,
            InHouseParams,
            mark_in_house_libraries,
            access=Access.ADMIN,
            writes=True,
            extension=True,
            summary="Mark libraries of the organization's inventories as in-house: "
            'libraries, a list of keyUuid strings or {"keyUuid": …} objects. In-house '
            "libraries are what get…InHouseLibraries list and what "
            "includeInHouseData=false leaves out.",
        ),
        RequestType(
            "unmarkInHouseLibraries",
            Level.ORG,
            InHouseParams,
            unmark_in_house_libraries,
            access=Access.ADMIN,
            writes=True,
            summary="Take the in-house mark off libraries: libraries as for "
            "markInHouseLibraries (name and parameters unverified in the catalog).",
        ),
    ],
) + in_category(
    Category.LICENSES_AND_LIBRARY,
    [
        RequestType(
            "changeOriginLibrary",
            Level.ORG,
            ChangeOriginLibrary,
            change_origin_library,
            access=Access.ADMIN,
            writes=True,
            alternative_levels=(Level.PRODUCT, Level.PROJECT),
            summary="Attribute source files (sourceFiles: SHA-1s) of the organization's "
            "projects, or of the product's or project's for those tokens, to the library "
            "targetKeyUuid; synchronous only.",
        ),
    ],
)
