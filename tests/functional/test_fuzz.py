"""A seeded fuzz of the whole request table, on each backend (issue 14): thousands of
requests, every request type in turn, with parameters drawn from each type's schema —
valid tokens and plausible values mostly, wrong types, NULs, huge numbers, other
organizations' tokens and wrong keys now and then. Whatever comes, the answer is a
precise refusal or a success: never an unexpected error (4000), never a 5xx."""

from __future__ import annotations

import random
import time
from typing import Any
from urllib.parse import urlencode

from starlette.testclient import TestClient

from depvault import admin
from depvault.admin import Bootstrap
from depvault.api.app import create_app
from depvault.api.registry import build_registry
from depvault.api.request_types import SCOPE_TOKEN_FIELDS, ApiVersion, RequestType
from depvault.config import Config
from depvault.domain.access import Level
from depvault.store.engine.db import Database
from tests.conftest import Api
from tests.request_schemas import WILD, fuzz_params
from tests.samples import SMALL_SBOM

REGISTRY = build_registry()
SEED = 14
PER_BACKEND = 2500  # two backends: 5,000 requests
AGENT_TYPES = ["UPDATE", "CHECK_VULNERABILITIES", "CHECK_POLICY_COMPLIANCE", "CHECK_POLICIES", "X"]


class Fuzzer:
    """Draws request bodies over a small world: one product with a project holding
    libraries, and another organization whose tokens and key the caller should not
    get anywhere with."""

    def __init__(self, api: Api, site: Bootstrap, database: Database) -> None:
        self.api, self.site, self.rng = api, site, random.Random(SEED)
        self.product, self.project = self._fresh()
        api.ok("importProjectSbom", projectToken=self.project, sbom=SMALL_SBOM)
        libraries = api.ok("getProjectInventory", projectToken=self.project)["libraries"]
        other = admin.create_organization(database, "Other", admin_email="other@example.com")
        assert other.user_key is not None
        self.other_key, self.other_org = other.user_key, other.org_token
        self.tokens = {
            Level.GLOBAL_ORG: site.global_org_token,
            Level.ORG: site.org_token,
            Level.PRODUCT: self.product,
            Level.PROJECT: self.project,
        }
        self.strings = [
            *self.tokens.values(),
            self.other_org,
            *(str(lib["keyUuid"]) for lib in libraries),
            "left-pad", "1.3.0", "npm", "maven", "json", "xlsx", "pdf", "csv",
            "2024-01-01 00:00:00", "2024-01-01", "member@example.com", "team", "core",
            "GPL-3.0-only", "MIT", "SECURITY_VULNERABILITY", "Ignored", "Active",
            "ProjectInventoryReport", "OVERRIDE", "a" * 40, "P", "p",
        ]  # fmt: skip

    def _fresh(self) -> tuple[str, str]:
        name = f"P{self.rng.random()}"
        product = self.api.ok("createProduct", orgToken=self.site.org_token, productName=name)
        token = product["productToken"]
        project = self.api.ok("createProject", productToken=token, projectName="p")
        return token, project["projectToken"]

    def _token(self, request_type: RequestType[Any], level: Level) -> Any:
        roll = self.rng.random()
        if roll < 0.8:
            if request_type.name.startswith("delete") and level in (Level.PRODUCT, Level.PROJECT):
                product, project = self._fresh()  # a delete consumes its own target
                return product if level is Level.PRODUCT else project
            return self.tokens[level]
        if roll < 0.9:
            return self.rng.choice([*self.tokens.values(), self.other_org])
        return self.rng.choice(WILD)

    def body(self, request_type: RequestType[Any]) -> dict[str, Any]:
        rng = self.rng
        body: dict[str, Any] = fuzz_params(request_type, rng, self.strings)
        body["requestType"] = request_type.name if rng.random() < 0.97 else rng.choice(WILD)
        roll = rng.random()
        if roll < 0.88:
            body["userKey"] = self.site.user_key
        elif roll < 0.94:
            body["userKey"] = self.other_key
        else:
            body["userKey"] = rng.choice([*WILD, "W" * 64])
        for level in (request_type.level, *request_type.alternative_levels):
            field = SCOPE_TOKEN_FIELDS.get(level)
            if field and rng.random() < 0.95:
                body[field] = self._token(request_type, level)
        if rng.random() < 0.05:
            body[rng.choice(list(SCOPE_TOKEN_FIELDS.values()))] = rng.choice(self.strings)
        return body

    def agent_form(self) -> bytes:
        rng = self.rng
        diff = [{"coordinates": {"artifactId": rng.choice(self.strings)}, "dependencies": []}]
        fields = {
            "type": rng.choice(AGENT_TYPES),
            "token": self._token(REGISTRY.get("getAllProducts"), Level.ORG),  # type: ignore[arg-type]
            "userKey": rng.choice([self.site.user_key, self.other_key, "W", ""]),
            "product": rng.choice(self.strings),
            "diff": rng.choice([str(diff).replace("'", '"'), "[", "", "%%%", "H4sI"]),
            "updateType": rng.choice(["OVERRIDE", "APPEND", "x", ""]),
        }
        return urlencode({k: str(v) for k, v in fields.items()}).encode()


def _version(request_type: RequestType[Any], rng: random.Random) -> str:
    served = sorted(v.value for v in request_type.versions)
    return rng.choice(served) if rng.random() < 0.9 else rng.choice([v.value for v in ApiVersion])


def test_fuzzed_requests_never_fail_unexpectedly(
    config: Config, database: Database, site: Bootstrap
) -> None:
    # wrong keys are part of the fuzz: the throttle would soon refuse everything
    settings = Config(
        data_dir=config.data_dir, database_url=config.database_url, auth_failures_per_minute=10**9
    )
    app = create_app(settings, database, migrate=False, inline_jobs=True)
    with TestClient(app) as client:
        fuzzer = Fuzzer(Api(client, site.user_key), site, database)
        types = list(REGISTRY)
        problems: list[str] = []
        successes, started = 0, time.monotonic()
        for index in range(PER_BACKEND):
            if index % 25 == 24:
                response = client.post(
                    "/agent",
                    content=fuzzer.agent_form(),
                    headers={"content-type": "application/x-www-form-urlencoded"},
                )
                answer = response.json()
                if response.status_code >= 500 or answer.get("status") == 3:
                    problems.append(f"agent: {response.status_code} {answer}")
                continue
            request_type = types[index % len(types)]
            body = fuzzer.body(request_type)
            version = _version(request_type, fuzzer.rng)
            response = client.post(f"/api/v{version}", json=body)
            json_answer = response.headers["content-type"].startswith("application/json")
            answer = response.json() if json_answer else {}
            if response.status_code >= 500 or answer.get("errorCode") == 4000:
                problems.append(f"{request_type.name} {body}: {response.status_code} {answer}")
            successes += "errorCode" not in answer
        elapsed = time.monotonic() - started
    assert not problems, f"{len(problems)} failures:\n" + "\n".join(problems[:10])
    assert successes > PER_BACKEND // 10, successes  # the fuzz reaches the handlers
    print(f"{PER_BACKEND} requests in {elapsed:.1f} s, {successes} successes")
