"""The canonical-purl fast path of ``domain/identity.py`` against its oracle: the
identity packageurl's parse and render give (``fast_path=False``), equal field by field
on every purl of the shared SBOMs and on generated purls, canonical or not."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from depvault.domain.identity import _fast, identify
from depvault.domain.inventory import Component
from tests.data_files import SBOMS

PURL = re.compile(r"pkg:[^\s\"'<>]+")


def _shared_purls() -> list[str]:
    found: set[str] = set()
    for path in sorted(SBOMS.iterdir()):
        text = path.read_text(errors="replace")
        if path.suffix == ".json" and "bomFormat" in text:
            document = json.loads(text)
            found.update(c["purl"] for c in document.get("components", []) if c.get("purl"))
        found.update(m.replace("&amp;", "&") for m in PURL.findall(text))
    return sorted(found)


SHARED = _shared_purls()


def _same(purl: str, name: str = "x", version: str | None = None) -> None:
    component = Component(ref="r", name=name, version=version, purl=purl)
    assert identify(component) == identify(component, fast_path=False), purl


def test_the_shared_sboms_have_purls_the_fast_path_takes() -> None:
    taken = [p for p in SHARED if _fast(p, Component(ref="r", name="x", purl=p)) is not None]
    assert len(SHARED) > 1000 and len(taken) > len(SHARED) / 2, (len(SHARED), len(taken))


@pytest.mark.parametrize("chunk", range(8))
def test_every_purl_of_the_shared_sboms_matches_packageurl(chunk: int) -> None:
    for purl in SHARED[chunk::8]:
        _same(purl)


SEGMENT = st.text(alphabet="abcXYZ019._-%@+:/ !é", min_size=1, max_size=12)
PLAIN = st.text(alphabet="abcdefXYZ0129._-", min_size=1, max_size=12)
TYPES = st.sampled_from(
    [
        "maven",
        "npm",
        "pypi",
        "golang",
        "cargo",
        "gem",
        "nuget",
        "composer",
        "generic",
        "github",
        "deb",
        "pub",
        "hackage",
        "cpan",
        "oci",
        "MAVEN",
    ]
)


@st.composite
def purls(draw: st.DrawFn) -> str:
    ptype = draw(TYPES)
    segment = SEGMENT if draw(st.booleans()) else PLAIN
    namespace = draw(st.lists(segment, max_size=3))
    if ptype == "npm" and namespace and draw(st.booleans()):
        namespace[0] = "%40" + namespace[0]
    name = draw(segment)
    version = draw(st.one_of(st.none(), segment))
    qualifiers = draw(st.sampled_from(["", "?type=jar", "?classifier=x&repository_url=y"]))
    path = "/".join([*namespace, name])
    return f"pkg:{ptype}/{path}" + (f"@{version}" if version else "") + qualifiers


@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(purls(), st.one_of(st.none(), PLAIN))
@example("pkg:npm/%40angular/core@1.0.0", None)
@example("pkg:pypi/Django@4.2", None)
@example("pkg:pypi/zope.interface@5.0", None)
@example("pkg:maven/org.apache/Commons-IO@2.4", None)
@example("pkg:npm/%40Scope/x@1", None)
def test_generated_purls_match_packageurl(purl: str, version: str | None) -> None:
    _same(purl, version=version)
