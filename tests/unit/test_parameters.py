"""Typing a request's raw parameters (``api/validation.py``), without HTTP: a null
parameter is an absent one, and a refusal names the parameter by its full path."""

from __future__ import annotations

import pytest
from pydantic import Field, model_validator

from depvault.api.request_types import Params
from depvault.api.validation import check_forbidden_characters, parse_params
from depvault.errors import ForbiddenCharacter, InvalidParameter, MissingParameter


class License(Params):
    spdx_name: str = Field(min_length=2)
    url: str = "none"


class Filter(Params):
    kind: str = "LICENSE"
    licenses: list[License] = Field(default_factory=list)


class Policy(Params):
    name: str
    priority: int = 5
    filter: Filter = Field(default_factory=Filter)
    tags: list[str | None] = Field(default_factory=list)


class Window(Params):
    start: int = 0
    end: int = 10

    @model_validator(mode="after")
    def ordered(self) -> Window:
        if self.end < self.start:
            raise ValueError("end is before start")
        return self


def missing(body: dict[str, object], model: type[Params] = Policy) -> str:
    with pytest.raises(MissingParameter) as raised:
        parse_params(model, body)
    return raised.value.parameter


def invalid(body: dict[str, object], model: type[Params] = Policy) -> InvalidParameter:
    with pytest.raises(InvalidParameter) as raised:
        parse_params(model, body)
    assert not isinstance(raised.value, MissingParameter)
    return raised.value


def test_a_null_required_parameter_is_missing() -> None:
    assert missing({}) == "name"
    assert missing({"name": None}) == "name"


def test_a_null_optional_parameter_takes_its_default() -> None:
    typed = parse_params(Policy, {"name": "p", "priority": None, "filter": None})
    assert typed.priority == 5 and typed.filter == Filter()
    assert parse_params(Window, {"start": None, "end": None}) == Window()


def test_nulls_count_as_absent_when_nested_and_inside_lists() -> None:
    body = {
        "name": "p",
        "filter": {"kind": None, "licenses": [{"spdxName": "MIT", "url": None}]},
    }
    typed = parse_params(Policy, body)
    assert typed.filter.kind == "LICENSE"
    assert typed.filter.licenses == [License(spdx_name="MIT", url="none")]
    licenses = [{"spdxName": "MIT"}, {"spdxName": "BSD"}, {"spdxName": None}]
    assert missing({"name": "p", "filter": {"licenses": licenses}}) == (
        "filter.licenses[2].spdxName"
    )
    # a null item of a list is kept: the list's item type decides about it
    assert parse_params(Policy, {"name": "p", "tags": ["a", None]}).tags == ["a", None]


def test_a_refusal_names_the_parameter_by_its_path() -> None:
    licenses = [{"spdxName": "MIT"}, {"spdxName": "BSD"}, {"spdxName": "X"}]
    refused = invalid({"name": "p", "filter": {"licenses": licenses}})
    assert refused.parameter == "filter.licenses[2].spdxName"
    assert refused.reason == "String should have at least 2 characters"
    assert str(refused) == (
        "Invalid value of parameter 'filter.licenses[2].spdxName': "
        "String should have at least 2 characters"
    )
    assert invalid({"name": "p", "priority": "high"}).parameter == "priority"
    assert invalid({"name": "p", "tags": ["a", 5]}).parameter == "tags[1]"


def test_the_first_problem_is_the_one_named() -> None:
    refused = invalid({"name": ["not", "a", "name"], "priority": "high"})
    assert refused.parameter == "name"


def test_a_problem_of_the_whole_body_names_the_body() -> None:
    refused = invalid({"start": 5, "end": 1}, Window)
    assert refused.parameter == "body"
    assert refused.reason == "Value error, end is before start"


def test_forbidden_characters_are_named_by_path_and_character() -> None:
    body = {"policy": {"filter": {"licenses": [{}, {}, {"spdxName": "GPL&MIT"}]}}}
    with pytest.raises(ForbiddenCharacter) as raised:
        check_forbidden_characters(body, frozenset())
    assert raised.value.parameter == "policy.filter.licenses[2].spdxName"
    assert "'&'" in raised.value.reason
    # an exempt field is skipped, and the fields after it are still checked
    with pytest.raises(ForbiddenCharacter) as raised:
        check_forbidden_characters({"sbom": "<bom/>", "name": "a>b"}, frozenset({"sbom"}))
    assert raised.value.parameter == "name"
    assert raised.value.reason == ("the character '>' is not supported (<, >, % and & are not)")
