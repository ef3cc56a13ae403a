"""The one-serialisation fast paths of ``api/validation.py`` (issue 15: walking every
string of a 10,000-component SBOM twice was a tenth of its import) decide exactly as
the walks they skip: property-tested on generated documents, and on the cases that
make the serialisation ambiguous (a literal backslash-u text, a string reading null)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from depvault.api.validation import (
    _without_nulls,
    check_forbidden_characters,
    check_storable,
    parse_params,
    unstorable_character,
)
from depvault.errors import UnstorableCharacter

_TEXT = st.text(alphabet=st.sampled_from(["a", "<", "\\", "u", "0", "\x00", "\ud800", "n", "l"]))
_DOCUMENTS = st.recursive(
    st.none() | st.booleans() | st.integers() | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=20,
)


class _Document(BaseModel):
    sbom: dict[str, Any] | list[Any] | None = None


def _walk_refuses(document: Any) -> bool:
    def strings(value: Any) -> list[str]:
        if isinstance(value, str):
            return [value]
        if isinstance(value, dict):
            return [s for k, v in value.items() for s in [k, *strings(v)]]
        if isinstance(value, list):
            return [s for v in value for s in strings(v)]
        return []

    return any(unstorable_character(s) is not None for s in strings(document))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_TEXT, _DOCUMENTS, max_size=4) | st.lists(_DOCUMENTS, max_size=4))
def test_an_exempt_document_is_refused_exactly_when_a_string_of_it_is_unstorable(
    document: Any,
) -> None:
    refused = False
    try:
        check_forbidden_characters({"sbom": document}, frozenset({"sbom"}))
    except UnstorableCharacter:
        refused = True
    assert refused == _walk_refuses(document)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_TEXT, _DOCUMENTS, max_size=4))
def test_nulls_inside_a_document_go_as_before(document: dict[str, Any]) -> None:
    parsed = parse_params(_Document, {"sbom": document})
    assert parsed.sbom == _without_nulls(document)


@pytest.mark.parametrize(
    "text",
    ["a\\u0000b", "null", "\\\\u0000", "plain"],
)
def test_texts_that_look_like_the_markers_are_stored(text: str) -> None:
    document = {"components": [{"name": text, "purl": None}]}
    check_forbidden_characters({"sbom": document}, frozenset({"sbom"}))
    assert parse_params(_Document, {"sbom": document}).sbom == {"components": [{"name": text}]}


def test_the_refusal_still_names_the_path() -> None:
    document = {"components": [{"name": "ok"}, {"licenses": [{"id": "MIT\ud800"}]}]}
    with pytest.raises(UnstorableCharacter) as refused:
        check_forbidden_characters({"sbom": document}, frozenset({"sbom"}))
    assert refused.value.parameter == "sbom.components[1].licenses[0].id"


@dataclass(frozen=True)
class _Component:
    name: str
    licenses: tuple[str, ...] = ()
    tags: frozenset[str] = frozenset()  # orjson cannot write it: the walk decides


@pytest.mark.parametrize(
    ("components", "path"),
    [
        ((_Component("ok"), _Component("bad\x00")), "[1].name"),
        ((_Component("ok", ("MIT\ud800",)),), "[0].licenses[0]"),
        ((_Component("ok", tags=frozenset({"x"})), _Component("a\x00")), "[1].name"),
    ],
)
def test_a_read_document_is_refused_with_the_path_of_its_unstorable_text(
    components: tuple[_Component, ...], path: str
) -> None:
    with pytest.raises(UnstorableCharacter) as refused:
        check_storable(components, "sbom")
    assert refused.value.parameter == "sbom"
    assert path in str(refused.value.message)


def test_a_clean_read_document_passes() -> None:
    check_storable((_Component("a\\u0000", ("MIT",)), _Component("b", tags=frozenset())), "sbom")
