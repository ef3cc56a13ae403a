"""Library identity: which catalog entry a component is.

A library is one catalog entry per identity (DESIGN.md, Inventory model):

1. the canonical purl, qualifiers included, when the document gives a parseable purl —
   or when it gives ecosystem coordinates, from which the purl is built (a Maven
   ``test-jar`` or a ``sources`` classifier is a different library from the ``jar``);
2. else the SHA-1 of the file;
3. else a ``pkg:generic`` purl of name and version, so that nothing is dropped.

Canonical means: parsed and re-rendered by packageurl-python, the name normalised as
its ecosystem does (PyPI per PEP 503, npm lower-case), the qualifiers that locate rather
than identify a package (``repository_url``, ``download_url``, ``vcs_url``,
``checksum``) and the Maven default ``type=jar`` removed. ``keyUuid`` is a UUIDv5 of
the key, so the same library has the same ``keyUuid`` on every depvault server.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from functools import lru_cache

from packageurl import PackageURL

from depvault.domain.inventory import Component

__all__ = ["LibraryIdentity", "identify", "library_type_of"]

KEY_NAMESPACE = uuid.UUID("3b1f6f0e-8d2a-5c1e-9f57-6465707661ec")
LOCATING_QUALIFIERS = frozenset({"repository_url", "download_url", "vcs_url", "checksum"})

# purl type → the library "type" label Mend responses carry (catalog §4 shows "Java").
LIBRARY_TYPES = {
    "maven": "Java",
    "npm": "javascript/Node.js",
    "pypi": "Python",
    "golang": "Go",
    "composer": "PHP",
    "cargo": "Rust",
    "nuget": ".NET",
    "gem": "Ruby",
    "hex": "Elixir",
    "pub": "Dart",
    "cocoapods": "Objective-C",
    "swift": "Swift",
    "conan": "C/C++",
    "deb": "Debian",
    "rpm": "RPM",
    "apk": "Alpine",
    "docker": "Docker",
    "github": "Source Library",
    "generic": "Source Library",
}

# The agent's dependencyType (catalog §7) → purl type.
AGENT_ECOSYSTEMS = {
    "MAVEN": "maven",
    "GRADLE": "maven",
    "NPM": "npm",
    "BOWER": "bower",
    "GO": "golang",
    "PYTHON": "pypi",
    "RUBY": "gem",
    "NUGET": "nuget",
    "PHP": "composer",
    "RPM": "rpm",
    "DEBIAN": "deb",
    "ALPINE": "apk",
    "COCOAPODS": "cocoapods",
    "HEX": "hex",
    "R": "cran",
    "CRATE": "cargo",
    "CABAL": "hackage",
    "PUB": "pub",
    "CONDA": "conda",
    "CONAN": "conan",
    "DOCKER": "docker",
    "SWIFT": "swift",
}


@dataclass(frozen=True, slots=True)
class LibraryIdentity:
    """What makes a component one library, and the coordinates responses show."""

    key: str
    key_uuid: str
    ecosystem: str
    name: str
    group_id: str | None
    version: str | None
    classifier: str | None
    packaging: str | None
    purl: str | None
    library_type: str
    filename: str
    sha1: str | None


def _uuid5(key: str) -> str:
    # uuid.uuid5, without building a UUID object per library (a tenth of an import's
    # identity time): SHA-1 of namespace + name, version and variant bits set.
    digest = bytearray(
        hashlib.sha1(KEY_NAMESPACE.bytes + key.encode(), usedforsecurity=False).digest()[:16]
    )
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def library_type_of(ecosystem: str) -> str:
    """The Mend-style type label of a purl type."""
    return LIBRARY_TYPES.get(ecosystem, "Source Library")


def _normalise_name(ecosystem: str, name: str) -> str:
    if ecosystem == "pypi":
        return re.sub(r"[-_.]+", "-", name).lower()
    if ecosystem == "npm":
        return name.lower()
    return name


def _qualifiers(purl: PackageURL) -> dict[str, str]:
    qualifiers = purl.qualifiers or {}
    return dict(qualifiers) if isinstance(qualifiers, dict) else {}


def _canonical(purl: PackageURL, version: str | None) -> PackageURL:
    """The canonical form of a parsed purl. Built with ``_replace`` rather than the
    constructor: the values are already normalised by the parse, and a second
    normalisation costs a third of an import's time (measured: bench/)."""
    qualifiers = {
        k: v for k, v in sorted(_qualifiers(purl).items()) if k not in LOCATING_QUALIFIERS and v
    }
    if purl.type == "maven" and qualifiers.get("type") == "jar":
        del qualifiers["type"]
    namespace = purl.namespace
    if purl.type == "npm" and namespace:
        namespace = namespace.lower()
    return purl._replace(
        namespace=namespace,
        name=_normalise_name(purl.type, purl.name),
        version=purl.version or version,
        qualifiers=qualifiers,
    )


def _parse(purl: str | None) -> PackageURL | None:
    if not purl:
        return None
    try:
        return PackageURL.from_string(purl.strip())
    except ValueError:
        return None


def _from_coordinates(component: Component) -> PackageURL | None:
    ecosystem = component.ecosystem
    if not ecosystem or not component.name:
        return None
    qualifiers: dict[str, str] = {}
    if component.classifier:
        qualifiers["classifier"] = component.classifier
    if component.packaging:
        qualifiers["type"] = component.packaging
    try:
        return PackageURL(
            type=ecosystem,
            namespace=component.group or None,
            name=component.name,
            version=component.version or None,
            qualifiers=qualifiers or None,
        )
    except ValueError:
        return None


def _filename(
    ptype: str, name: str, version: str | None, qualifiers: dict[str, str], given: str | None
) -> str:
    if given:
        return given
    suffix = f"-{version}" if version else ""
    if ptype == "maven":
        classifier = f"-{qualifiers['classifier']}" if qualifiers.get("classifier") else ""
        extension = qualifiers.get("type", "jar")
        extension = "jar" if extension == "test-jar" else extension
        return f"{name}{suffix}{classifier}.{extension}"
    if ptype == "npm":
        return f"{name}{suffix}.tgz"
    return f"{name}{suffix}"


# --- the canonical-purl fast path -------------------------------------------------------
#
# Most purls arrive already canonical (the SBOM tools render them with packageurl or its
# equivalents): parsing and rendering them again was 43 % of a 50,000-component import
# (issue 15). A purl of plain characters, with a version and without qualifiers or a
# subpath, of a type whose normalisation is known here, is taken as it stands when
# every part already has its normalised form (a Maven purl's default ``?type=jar``
# aside: the canonical form drops it); anything else goes through packageurl,
# which stays the oracle: tests/unit/test_identity_fast_path.py holds the two equal on
# every purl of the shared SBOMs and on generated ones.
_PLAIN_PURL = re.compile(
    r"pkg:(?P<type>[a-z]+)/(?P<namespace>(?:(?:%40)?[A-Za-z0-9._-]+/)*)"
    r"(?P<name>[A-Za-z0-9._-]+)@(?P<version>[A-Za-z0-9._-]+)"
)
_FAST_TYPES = frozenset(
    {"maven", "npm", "pypi", "golang", "cargo", "gem", "nuget", "composer", "generic"}
)
# types whose namespace / name packageurl lower-cases (normalize_namespace, _name)
_LOWER_NAMESPACE = frozenset({"pypi", "composer"})
_LOWER_NAME = frozenset({"pypi", "composer", "npm"})
_MAVEN_DEFAULT_TYPE = "?type=jar"


def _fast(purl_text: str, component: Component) -> LibraryIdentity | None:
    """The identity of an already-canonical purl without packageurl, or None."""
    if purl_text.endswith(_MAVEN_DEFAULT_TYPE) and purl_text.startswith("pkg:maven/"):
        purl_text = purl_text[: -len(_MAVEN_DEFAULT_TYPE)]  # the canonical form drops it
    match = _PLAIN_PURL.fullmatch(purl_text)
    if match is None:
        return None
    ptype, namespace, name, version = match.group("type", "namespace", "name", "version")
    if ptype not in _FAST_TYPES:
        return None
    namespace = namespace[:-1]
    if "%40" in namespace:
        if ptype != "npm" or namespace.count("%40") > 1 or not namespace.startswith("%40"):
            return None
        namespace = "@" + namespace[3:]
    if (ptype in _LOWER_NAMESPACE or ptype == "npm") and namespace != namespace.lower():
        return None
    if ptype in _LOWER_NAME and name != name.lower():
        return None
    if _normalise_name(ptype, name) != name:
        return None
    key = f"purl:{purl_text}"
    return LibraryIdentity(
        key=key,
        key_uuid=_uuid5(key),
        ecosystem=ptype,
        name=name,
        group_id=namespace or None,
        version=version,
        classifier=None,
        packaging="jar" if ptype == "maven" else None,
        purl=purl_text,
        library_type=library_type_of(ptype),
        filename=_filename(ptype, name, version, {}, component.filename),
        sha1=component.sha1,
    )


def identify(component: Component, *, fast_path: bool = True) -> LibraryIdentity:
    """The library a component is (never fails: every component gets an identity).

    Cached: pipelines import the same libraries again and again, and a purl's parse and
    render are most of the work. ``fast_path=False`` always asks packageurl (the tests'
    oracle)."""
    return _identify(
        component.purl,
        component.name,
        component.version,
        component.group,
        component.ecosystem,
        component.packaging,
        component.classifier,
        component.filename,
        component.sha1,
        fast_path,
    )


@lru_cache(maxsize=262_144)
def _identify(
    purl_text: str | None,
    name: str,
    version: str | None,
    group: str | None,
    ecosystem: str | None,
    packaging: str | None,
    classifier: str | None,
    filename: str | None,
    sha1: str | None,
    fast_path: bool = True,
) -> LibraryIdentity:
    component = Component(
        ref="",
        name=name,
        version=version,
        group=group,
        purl=purl_text,
        ecosystem=ecosystem,
        packaging=packaging,
        classifier=classifier,
        filename=filename,
        hashes=(("SHA-1", sha1),) if sha1 else (),
    )
    sha1 = component.sha1
    if purl_text and fast_path:
        known = _fast(purl_text, component)
        if known is not None:
            return known
    parsed = _parse(component.purl) or _from_coordinates(component)
    if parsed is None and sha1:
        key = f"sha1:{sha1}"
        ecosystem = component.ecosystem or "generic"
        filename = component.filename or component.name
        return LibraryIdentity(
            key=key,
            key_uuid=_uuid5(key),
            ecosystem=ecosystem,
            name=component.name,
            group_id=component.group,
            version=component.version,
            classifier=component.classifier,
            packaging=component.packaging,
            purl=None,
            library_type=library_type_of(ecosystem),
            filename=filename,
            sha1=sha1,
        )
    if parsed is None:
        parsed = PackageURL(
            type="generic",
            namespace=component.group or None,
            name=component.name or "unnamed",
            version=component.version or None,
        )
    purl = _canonical(parsed, component.version)
    rendered = purl.to_string()
    qualifiers = _qualifiers(purl)
    key = f"purl:{rendered}"
    return LibraryIdentity(
        key=key,
        key_uuid=_uuid5(key),
        ecosystem=purl.type,
        name=purl.name,
        group_id=purl.namespace,
        version=purl.version,
        classifier=qualifiers.get("classifier"),
        packaging=qualifiers.get("type") or ("jar" if purl.type == "maven" else None),
        purl=rendered,
        library_type=library_type_of(purl.type),
        filename=_filename(purl.type, purl.name, purl.version, qualifiers, component.filename),
        sha1=sha1,
    )
