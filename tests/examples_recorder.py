"""Recording real requests and answers for the API reference (``make examples``).

With ``DEPVAULT_RECORD_EXAMPLES=<folder>``, every request the functional tests send
through ``tests.conftest.Api`` is offered here: the first success per request type and
the first error per (request type, error code) of each test process are appended to
``<folder>/examples-<pid>.jsonl``, tokens replaced by ``<name>`` and long values cut.
``scripts/gen_docs.py --merge-examples <folder>`` then picks one per request type into
``src/depvault/api_examples.json``, which ``make docs`` renders.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

RECORD_ENV = "DEPVAULT_RECORD_EXAMPLES"
_seen: set[tuple[str, Any]] = set()


def _sample(value: Any, key: str = "") -> Any:
    if isinstance(value, str) and (key == "userKey" or key.lower().endswith("token")):
        return f"<{key}>"
    if isinstance(value, dict):
        return {k: _sample(v, k) for k, v in value.items()}
    if isinstance(value, list):
        # two objects show a list's shape; a short list of scalars (a schema's
        # ``required``) is kept whole, since cutting it would misstate the answer
        keep = 2 if any(isinstance(v, dict | list) for v in value) else 20
        return [_sample(v, key) for v in value[:keep]]
    if isinstance(value, str) and len(value) > 200:
        return value[:200] + "…"
    return value


def record(body: dict[str, Any], answer: Any) -> None:
    """Offer one exchange; written when recording and new for this process."""
    folder = os.environ.get(RECORD_ENV)
    if not folder or not isinstance(body.get("requestType"), str):
        return
    error = answer.get("errorCode") if isinstance(answer, dict) else None
    key = (body["requestType"], error)
    if key in _seen:
        return
    _seen.add(key)
    line = {"request": _sample(body), "answer": _sample(answer), "error": error is not None}
    with (Path(folder) / f"examples-{os.getpid()}.jsonl").open("a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")
