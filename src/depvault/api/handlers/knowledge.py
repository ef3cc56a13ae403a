"""``getKnowledgeBaseStatus`` (depvault's own): what the vulnerability knowledge base
holds and how its syncs went, the JSON ``depvault kb status`` prints, for the
organization's administrators (the knowledge base is shared by every organization; its
status names no organization's data)."""

from __future__ import annotations

from depvault.analysis.knowledge_status import knowledge_status
from depvault.api.call import Call
from depvault.api.request_types import Category, NoParams, RequestType, Result, in_category
from depvault.domain.access import Access, Level

__all__ = ["REQUEST_TYPES"]


def get_knowledge_base_status(call: Call, params: NoParams) -> Result:
    """Per ecosystem and per source: records held, newest ``modified``, last sync's time
    and result (and error); the ecosystems met with no knowledge."""
    return knowledge_status(call.db, call.config)


REQUEST_TYPES = in_category(
    Category.ORGANIZATION,
    [
        RequestType(
            "getKnowledgeBaseStatus",
            Level.ORG,
            NoParams,
            get_knowledge_base_status,
            access=Access.ADMIN,
            extension=True,
            summary="What the vulnerability knowledge base holds: per OSV ecosystem the "
            "records, newest modified time and last sync (time, result, error); per source "
            "the same summed for OSV, and for the NVD, EPSS and KEV feeds the CVEs held, "
            "the last fetch (time, result, error, files) and the last import; "
            "knowledgeGaps, the ecosystems met with no knowledge. The JSON of "
            "`depvault kb status`.",
        ),
    ],
)
