"""SPDX packages as :class:`Component` values, from the JSON dict or from spdx-tools' model.

Both mappings state the same facts (:mod:`depvault.ingest.spdx.reader` says which fields and why
JSON has its own): SPDXID as ``ref``; ``versionInfo``; the first ``purl`` external
reference of category PACKAGE-MANAGER, as written, whose namespace is the ``group``;
``packageFileName``; ``description``, else ``summary``; ``licenseDeclared``, else
``licenseConcluded``; ``copyrightText``; checksums with normalised algorithm names and
lower-case hex; ``homepage`` and a URL ``downloadLocation`` as references. NOASSERTION,
NONE and blanks state nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from packageurl import PackageURL
from spdx_tools.spdx.model.package import ExternalPackageRefCategory, Package
from spdx_tools.spdx.model.spdx_no_assertion import SpdxNoAssertion
from spdx_tools.spdx.model.spdx_none import SpdxNone

from depvault.domain.inventory import Component
from depvault.ingest.errors import SbomError
from depvault.ingest.spdx.syntax import objects

__all__ = ["component_from_dict", "component_from_model"]

# A scheme and "://": http(s), ftp, git, git+https … (SPDX download locations); not the
# scp-like "git@host:path" form.
_URL: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S+\Z")

# SPDX checksum algorithms (JSON spelling or spdx-tools enum name, upper-cased without
# "-" and "_") -> the model's names: CycloneDX's, upper-cased as the CycloneDX reader does.
_HASHES: Final = {
    "SHA1": "SHA-1",
    "SHA224": "SHA-224",
    "SHA256": "SHA-256",
    "SHA384": "SHA-384",
    "SHA512": "SHA-512",
    "SHA3256": "SHA3-256",
    "SHA3384": "SHA3-384",
    "SHA3512": "SHA3-512",
    "BLAKE2B256": "BLAKE2B-256",
    "BLAKE2B384": "BLAKE2B-384",
    "BLAKE2B512": "BLAKE2B-512",
    "BLAKE3": "BLAKE3",
    "MD2": "MD2",
    "MD4": "MD4",
    "MD5": "MD5",
    "MD6": "MD6",
    "ADLER32": "ADLER32",
}


def component_from_dict(package: Mapping[str, Any], warnings: list[str]) -> Component:
    """The component of one entry of a JSON document's ``packages``, whose SPDXID and
    name are already checked; a field of the wrong type is an :class:`SbomError`."""
    ref: str = package["SPDXID"]

    def text(key: str) -> str | None:
        value = package.get(key)
        if value is None or isinstance(value, str):
            return value
        raise SbomError(f"Package {ref}: {key} must be a string, not {type(value).__name__}")

    purl = _dict_purl(package, ref)
    checksums = objects(package.get("checksums"), f"Package {ref}: checksums")
    return Component(
        ref=ref,
        name=package["name"],
        version=text("versionInfo"),
        group=_group(purl, ref, warnings),
        purl=purl,
        filename=text("packageFileName"),
        description=text("description") or text("summary"),
        licenses=_one(_stated(text("licenseDeclared")) or _stated(text("licenseConcluded"))),
        copyrights=_one(_stated(text("copyrightText"))),
        hashes=tuple(_dict_hash(checksum, ref) for checksum in checksums),
        references=_references(_stated(text("homepage")), _stated(text("downloadLocation"))),
    )


def component_from_model(package: Package, warnings: list[str]) -> Component:
    """The component of one package spdx-tools parsed."""
    purl = next(
        (
            ref.locator.strip()
            for ref in package.external_references
            if ref.category == ExternalPackageRefCategory.PACKAGE_MANAGER
            and ref.reference_type == "purl"
        ),
        None,
    )
    license_expression = _expression(package.license_declared) or _expression(
        package.license_concluded
    )
    return Component(
        ref=package.spdx_id,
        name=package.name,
        version=package.version,
        group=_group(purl, package.spdx_id, warnings),
        purl=purl,
        filename=package.file_name,
        description=package.description or package.summary,
        licenses=_one(license_expression),
        copyrights=_one(_stated(_text(package.copyright_text))),
        hashes=tuple(
            (_HASHES[_hash_key(c.algorithm.name)], c.value.strip().lower())
            for c in package.checksums
        ),
        references=_references(
            _stated(_text(package.homepage)), _stated(_text(package.download_location))
        ),
    )


def _dict_purl(package: Mapping[str, Any], ref: str) -> str | None:
    for external in objects(package.get("externalRefs"), f"Package {ref}: externalRefs"):
        category = external.get("referenceCategory")
        kind = external.get("referenceType")
        locator = external.get("referenceLocator")
        if not (isinstance(category, str) and isinstance(kind, str) and isinstance(locator, str)):
            raise SbomError(
                f"Package {ref}: an externalRef needs referenceCategory, referenceType and "
                "referenceLocator strings"
            )
        if kind == "purl" and category.replace("-", "_").upper() == "PACKAGE_MANAGER":
            return locator.strip()
    return None


def _dict_hash(checksum: Mapping[str, Any], ref: str) -> tuple[str, str]:
    algorithm, value = checksum.get("algorithm"), checksum.get("checksumValue")
    if not (isinstance(algorithm, str) and isinstance(value, str)):
        raise SbomError(f"Package {ref}: a checksum needs algorithm and checksumValue strings")
    name = _HASHES.get(_hash_key(algorithm))
    if name is None:
        raise SbomError(f"Package {ref}: unknown checksum algorithm {algorithm!r}")
    return name, value.strip().lower()


def _hash_key(algorithm: str) -> str:
    return algorithm.upper().replace("-", "").replace("_", "")


def _expression(value: object) -> str | None:
    """A parsed license expression as license-expression renders it."""
    if value is None or isinstance(value, SpdxNoAssertion | SpdxNone):
        return None
    return _stated(str(value))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _stated(value: str | None) -> str | None:
    """``value`` stripped, or None when it states nothing (NOASSERTION, NONE, blank)."""
    if value is None:
        return None
    value = value.strip()
    return None if value.upper() in ("NOASSERTION", "NONE", "") else value


def _one(value: str | None) -> tuple[str, ...]:
    return () if value is None else (value,)


def _group(purl: str | None, ref: str, warnings: list[str]) -> str | None:
    """The purl's namespace (Maven groupId, npm scope …); an invalid purl is kept as
    written, with a warning, and gives no group."""
    if purl is None:
        return None
    try:
        return PackageURL.from_string(purl).namespace or None
    except ValueError as error:
        warnings.append(f"Package {ref}: purl {purl!r} is not valid ({error})")
        return None


def _references(homepage: str | None, download: str | None) -> tuple[tuple[str, str], ...]:
    references = []
    if homepage is not None:
        references.append(("homePage", homepage))
    if download is not None and _URL.match(download):
        references.append(("downloadUrl", download))
    return tuple(references)
