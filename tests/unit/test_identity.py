"""Library identity: which components are the same library."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st
from packageurl import PackageURL

from depvault.domain.identity import KEY_NAMESPACE, _uuid5, identify
from depvault.domain.inventory import Component


def ident(**fields: object):  # type: ignore[no-untyped-def]
    return identify(Component(ref="r", **fields))  # type: ignore[arg-type]


def test_a_maven_test_jar_is_not_the_jar_but_type_jar_is_the_default() -> None:
    jar = ident(name="a", purl="pkg:maven/g/a@1.0")
    typed = ident(name="a", purl="pkg:maven/g/a@1.0?type=jar")
    test_jar = ident(name="a", purl="pkg:maven/g/a@1.0?type=test-jar")
    sources = ident(name="a", purl="pkg:maven/g/a@1.0?classifier=sources")
    assert jar.key == typed.key
    assert len({jar.key, test_jar.key, sources.key}) == 3
    assert test_jar.packaging == "test-jar" and sources.classifier == "sources"
    assert jar.filename == "a-1.0.jar" and sources.filename == "a-1.0-sources.jar"
    assert jar.library_type == "Java"


def test_locating_qualifiers_do_not_split_a_library() -> None:
    plain = ident(name="x", purl="pkg:npm/x@1.0.0")
    located = ident(name="x", purl="pkg:npm/x@1.0.0?repository_url=https://r.example/npm")
    assert plain.key == located.key and plain.key_uuid == located.key_uuid


def test_names_are_normalised_per_ecosystem() -> None:
    assert (
        ident(name="x", purl="pkg:pypi/Django_REST.framework@3.0").key
        == ident(name="x", purl="pkg:pypi/django-rest-framework@3.0").key
    )
    assert (
        ident(name="x", purl="pkg:npm/%40Babel/Core@7.0.0").key
        == ident(name="x", purl="pkg:npm/%40babel/core@7.0.0").key
    )


def test_coordinates_without_a_purl_build_one() -> None:
    built = ident(name="junit", group="junit", version="4.12", ecosystem="maven")
    given = ident(name="junit", purl="pkg:maven/junit/junit@4.12")
    assert built.key == given.key == "purl:pkg:maven/junit/junit@4.12"


def test_sha1_then_generic_fallbacks() -> None:
    by_hash = ident(name="blob", hashes=(("SHA-1", "ABC123"),))
    assert by_hash.key == "sha1:abc123" and by_hash.purl is None
    generic = ident(name="libfoo", version="2.1")
    assert generic.key == "purl:pkg:generic/libfoo@2.1"
    broken = ident(name="x", purl="not a purl", version="1")
    assert broken.key == "purl:pkg:generic/x@1"


def test_key_uuid_is_stable_and_purls_round_trip() -> None:
    first = ident(name="a", purl="pkg:cargo/serde@1.0.0")
    assert first.key_uuid == ident(name="a", purl="pkg:cargo/serde@1.0.0").key_uuid
    assert first.purl is not None
    assert PackageURL.from_string(first.purl).to_string() == first.purl


@given(st.text())
def test_the_key_uuid_is_exactly_uuid5(key: str) -> None:
    assert _uuid5(key) == str(uuid.uuid5(KEY_NAMESPACE, key))
