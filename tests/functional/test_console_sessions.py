"""Console sessions and the console's guards: the session cookie's flags, idle and
absolute expiry, sign-out, key rotation, the shared key throttle, CSRF on every POST,
the sign-in form's own token, where sign-in may lead, and the triage and report flows
landing in the API's own answers."""

from __future__ import annotations

import dataclasses
import io
import logging
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from starlette.testclient import TestClient

from depvault import admin
from depvault.admin import DEFAULT_ADMIN_EMAIL, Bootstrap
from depvault.api.app import create_app
from depvault.config import Config
from depvault.store.engine.db import Database
from depvault.store.models import ConsoleSession
from tests.conftest import Api
from tests.console_client import FORM_TOKEN, ConsoleUser
from tests.functional.test_alerts import DJANGO_ADVISORY, knowledge, pypi, sbom


def _browser(app_client: TestClient) -> ConsoleUser:
    return ConsoleUser(TestClient(app_client.app, follow_redirects=False))


def _sessions(database: Database) -> int:
    with database.transaction(write=False) as db:
        return db.scalar(select(func.count()).select_from(ConsoleSession)) or 0


@pytest.fixture
def signed_in(app_client: TestClient, site: Bootstrap) -> ConsoleUser:
    user = _browser(app_client)
    assert user.sign_in(DEFAULT_ADMIN_EMAIL, site.user_key) == 303
    return user


@pytest.fixture
def project(api: Api, site: Bootstrap, database: Database, tmp_path: Path) -> str:
    """A project with a vulnerable django (so an active vulnerability alert)."""
    knowledge(database, tmp_path, DJANGO_ADVISORY)
    product = api.ok("createProduct", orgToken=site.org_token, productName="P")["productToken"]
    answer = api.ok(
        "importProjectSbom",
        productToken=product,
        projectName="web",
        sbom=sbom(pypi("django", "3.2.0")),
    )
    return str(answer["projectToken"]) if "projectToken" in answer else _only_project(api, site)


def _only_project(api: Api, site: Bootstrap) -> str:
    vitals = api.ok("getOrganizationProjectVitals", orgToken=site.org_token)["projectVitals"]
    return str(vitals[0]["token"])


def test_the_session_cookie_and_its_row(
    app_client: TestClient, site: Bootstrap, database: Database
) -> None:
    browser = _browser(app_client)
    form = browser.client.get("/ui/signin")
    token = FORM_TOKEN.search(form.text)
    assert token
    answer = browser.client.post(
        "/ui/signin",
        data={"email": DEFAULT_ADMIN_EMAIL.upper(), "key": site.user_key, "form_token": token[1]},
    )
    assert answer.status_code == 303
    cookie = next(
        c for c in answer.headers.get_list("set-cookie") if c.startswith("depvault_session=")
    )
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/ui" in cookie
    assert "Secure" not in cookie  # plain HTTP here
    session_id = cookie.split(";")[0].split("=", 1)[1]
    with database.transaction(write=False) as db:
        stored = db.scalars(select(ConsoleSession.id_digest)).all()
    assert len(stored) == 1 and session_id not in stored[0]  # only its digest is kept


def test_cookies_are_secure_when_the_server_speaks_tls(
    config: Config, database: Database, site: Bootstrap
) -> None:
    tls = dataclasses.replace(config, tls_cert_file=Path("cert.pem"), tls_key_file=Path("k.pem"))
    app = create_app(tls, database, migrate=False, inline_jobs=True)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        form = client.get("/ui/signin")
        assert "Secure" in form.headers["set-cookie"]
        token = FORM_TOKEN.search(form.text)
        assert token
        answer = client.post(
            "/ui/signin",
            data={"email": DEFAULT_ADMIN_EMAIL, "key": site.user_key, "form_token": token[1]},
        )
        assert "Secure" in answer.headers["set-cookie"]


def test_sign_out_ends_the_session(signed_in: ConsoleUser, database: Database) -> None:
    assert _sessions(database) == 1
    kept = dict(signed_in.client.cookies)
    answer = signed_in.client.post("/ui/signout", data={"csrf": signed_in.csrf})
    assert answer.status_code == 303 and answer.headers["location"] == "/ui/signin"
    assert _sessions(database) == 0
    # the old cookie, replayed, names nothing
    replay = TestClient(signed_in.client.app, cookies=kept, follow_redirects=False)
    assert replay.get("/ui/").status_code == 303


@pytest.mark.parametrize(
    ("column", "age"),
    [("last_seen_at", timedelta(minutes=31)), ("created_at", timedelta(hours=12, minutes=1))],
)
def test_idle_and_absolute_expiry(
    signed_in: ConsoleUser, database: Database, column: str, age: timedelta
) -> None:
    with database.transaction() as db:
        current = db.scalar(select(getattr(ConsoleSession, column)))
        assert current is not None
        db.execute(update(ConsoleSession).values({column: current - age}))
    answer = signed_in.client.get("/ui/")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/ui/signin")
    assert _sessions(database) == 0


def test_a_recent_session_lives_on(signed_in: ConsoleUser, database: Database) -> None:
    with database.transaction() as db:
        seen, created = db.execute(
            select(ConsoleSession.last_seen_at, ConsoleSession.created_at)
        ).one()
        db.execute(
            update(ConsoleSession).values(
                last_seen_at=seen - timedelta(minutes=29), created_at=created - timedelta(hours=11)
            )
        )
    assert signed_in.client.get("/ui/", follow_redirects=True).status_code == 200
    with database.transaction(write=False) as db:
        seen_now, created_now = db.execute(
            select(ConsoleSession.last_seen_at, ConsoleSession.created_at)
        ).one()
    assert seen_now >= seen  # the page moved last_seen_at on
    assert created_now == created - timedelta(hours=11)


def test_a_new_key_ends_the_persons_sessions(
    signed_in: ConsoleUser, database: Database, site: Bootstrap
) -> None:
    admin.issue_user_key(database, DEFAULT_ADMIN_EMAIL, site.org_token)
    assert _sessions(database) == 0
    assert signed_in.client.get("/ui/").status_code == 303


@pytest.fixture
def strict_app(config: Config, database: Database, site: Bootstrap) -> Iterator[TestClient]:
    """The application with a throttle of three failures a minute."""
    app = create_app(
        dataclasses.replace(config, auth_failures_per_minute=3),
        database,
        migrate=False,
        inline_jobs=True,
    )
    with TestClient(app, follow_redirects=False) as client:
        yield client


def test_failed_sign_ins_count_toward_the_api_throttle(
    strict_app: TestClient, site: Bootstrap
) -> None:
    browser = ConsoleUser(strict_app)
    for _ in range(3):
        assert browser.sign_in(DEFAULT_ADMIN_EMAIL, "W" * 64) == 401
    # the right pair is refused now, and so is the API from this address
    assert browser.sign_in(DEFAULT_ADMIN_EMAIL, site.user_key) == 429
    api = strict_app.post(
        "/api/v1.4",
        json={
            "requestType": "getAllProducts",
            "userKey": site.user_key,
            "orgToken": site.org_token,
        },
    )
    assert api.status_code == 429


def test_the_sign_in_form_needs_its_own_token(app_client: TestClient, site: Bootstrap) -> None:
    """Login CSRF: another site's form cannot sign this browser in."""
    client = TestClient(app_client.app, follow_redirects=False)
    answer = client.post(
        "/ui/signin",
        data={"email": DEFAULT_ADMIN_EMAIL, "key": site.user_key, "form_token": "forged"},
    )
    assert answer.status_code == 403
    assert "depvault_session" not in answer.headers.get("set-cookie", "")


@pytest.mark.parametrize(
    ("asked", "landing"),
    [
        ("/ui/orgs/x", "/ui/orgs/x"),
        ("//evil.example/ui/", "/ui/"),
        ("https://evil.example/", "/ui/"),
        ("/ui/\\evil", "/ui/"),
    ],
)
def test_sign_in_leads_only_into_the_console(
    app_client: TestClient, site: Bootstrap, asked: str, landing: str
) -> None:
    client = TestClient(app_client.app, follow_redirects=False)
    token = FORM_TOKEN.search(client.get("/ui/signin").text)
    assert token
    answer = client.post(
        "/ui/signin",
        data={
            "email": DEFAULT_ADMIN_EMAIL,
            "key": site.user_key,
            "form_token": token[1],
            "next": asked,
        },
    )
    assert answer.headers["location"] == landing


def _first_alert(api: Api, project: str) -> str:
    return str(api.ok("getProjectAlerts", projectToken=project)["alerts"][0]["alertUuid"])


def test_posts_without_the_csrf_token_are_refused(
    signed_in: ConsoleUser, api: Api, project: str
) -> None:
    alert = _first_alert(api, project)
    path = f"/ui/projects/{project}/alerts/{alert}"
    form = {"action": "ignore", "comment": "forged"}
    assert signed_in.client.post(path, data=form).status_code == 403
    assert signed_in.client.post(path, data={**form, "csrf": "x" * 64}).status_code == 403
    assert signed_in.client.post("/ui/signout", data={}).status_code == 403
    assert api.ok("getProjectIgnoredAlerts", projectToken=project)["alerts"] == []
    # the htmx way: the token in a header
    sent = signed_in.client.post(path, data=form, headers={"X-CSRF-Token": signed_in.csrf})
    assert sent.status_code == 303


def test_ignore_and_reactivate_through_set_alerts_status(
    signed_in: ConsoleUser, api: Api, project: str
) -> None:
    alert = _first_alert(api, project)
    path = f"/ui/projects/{project}/alerts/{alert}"
    missing = signed_in.client.post(path, data={"csrf": signed_in.csrf, "action": "ignore"})
    assert missing.status_code == 400  # a comment is asked for
    answer = signed_in.client.post(
        path, data={"csrf": signed_in.csrf, "action": "ignore", "comment": "not reachable"}
    )
    assert answer.status_code == 303
    ignored = api.ok("getProjectIgnoredAlerts", projectToken=project)["alerts"]
    assert [a["alertUuid"] for a in ignored] == [alert]
    assert ignored[0]["comments"] == "not reachable"
    page = signed_in.client.get(path)
    assert "not reachable" in page.text and DEFAULT_ADMIN_EMAIL in page.text  # the history
    back = signed_in.client.post(
        path, data={"csrf": signed_in.csrf, "action": "reactivate", "comment": "reachable now"}
    )
    assert back.status_code == 303
    assert [a["alertUuid"] for a in api.ok("getProjectAlerts", projectToken=project)["alerts"]]


def test_a_report_requested_followed_and_downloaded(
    signed_in: ConsoleUser, site: Bootstrap, project: str
) -> None:
    org = site.org_token
    answer = signed_in.client.post(
        f"/ui/orgs/{org}/reports",
        data={
            "csrf": signed_in.csrf,
            "level": "project",
            "token": project,
            "report_type": "ProjectSBOMReport",
            "standard": "CycloneDX",
            "format": "json",
        },
    )
    assert answer.status_code == 303
    process = answer.headers["location"]
    status = signed_in.client.get(process + "/status", headers={"HX-Request": "true"})
    assert "SUCCESS" in status.text and "hx-trigger" not in status.text  # polling stops
    download = signed_in.client.get(process + "/download")
    assert download.status_code == 200
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        names = archive.namelist()
        document = archive.read(names[0])
    assert b"CycloneDX" in document and b"django" in document
    refused = signed_in.client.post(
        f"/ui/orgs/{org}/reports",
        data={"csrf": signed_in.csrf, "level": "project", "token": project, "report_type": "No"},
    )
    assert refused.status_code == 400 and "reportType" in refused.text


def test_text_is_never_markup(signed_in: ConsoleUser, api: Api, project: str) -> None:
    """What people type comes back as text: a comment with markup is either kept and
    shown escaped, or refused by the API's character rules with the refusal shown."""
    path = f"/ui/projects/{project}/alerts/{_first_alert(api, project)}"
    answer = signed_in.client.post(
        path,
        data={"csrf": signed_in.csrf, "action": "ignore", "comment": "<b>bold</b>"},
        follow_redirects=True,
    )
    assert "<b>bold</b>" not in answer.text
    assert "&lt;" in answer.text
    search = signed_in.client.get(f"/ui/projects/{project}/libraries?q=%3Cscript%3E")
    assert search.status_code == 200 and "<script>" not in search.text


def test_root_leads_to_the_console(app_client: TestClient) -> None:
    answer = app_client.get("/", follow_redirects=False)
    assert answer.status_code == 307 and answer.headers["location"] == "/ui/"


def test_an_unknown_console_address(signed_in: ConsoleUser) -> None:
    answer = signed_in.client.get("/ui/no/such/page")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert "There is no page at this address." in answer.text


def test_each_page_logs_its_server_time(
    signed_in: ConsoleUser, site: Bootstrap, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="depvault.console"):
        answer = signed_in.client.get(f"/ui/orgs/{site.org_token}/policies")
    assert answer.headers["server-timing"].startswith("app;dur=")
    lines = [r.getMessage() for r in caplog.records if r.name == "depvault.console"]
    assert any(
        line.startswith(f"console GET /ui/orgs/{site.org_token}/policies 200 ")
        and line.endswith(" ms")
        for line in lines
    ), lines
    assert site.user_key not in caplog.text


def test_a_sign_in_clears_away_expired_sessions(
    app_client: TestClient, site: Bootstrap, database: Database
) -> None:
    first = _browser(app_client)
    assert first.sign_in(DEFAULT_ADMIN_EMAIL, site.user_key) == 303
    with database.transaction() as db:
        seen = db.scalar(select(ConsoleSession.last_seen_at))
        assert seen is not None
        db.execute(update(ConsoleSession).values(last_seen_at=seen - timedelta(hours=1)))
    second = _browser(app_client)  # the first browser never comes back
    assert second.sign_in(DEFAULT_ADMIN_EMAIL, site.user_key) == 303
    assert _sessions(database) == 1


def test_the_people_page_comes_in_pages(signed_in: ConsoleUser, api: Api, site: Bootstrap) -> None:
    for n in range(51):
        api.ok(
            "createUser",
            orgToken=site.org_token,
            addedUser={"name": f"p{n}", "email": f"p{n:02d}@example.com"},
        )
    people = f"/ui/orgs/{site.org_token}/people"
    first = signed_in.client.get(people)
    # 52 members by address: the administrator (admin@depvault.local) first
    assert first.text.count("@example.com</td>") == 49
    assert "<td>Administrator</td><td>admin@depvault.local</td>" in first.text
    assert f'href="{people}?offset=50" rel="next"' in first.text
    second = signed_in.client.get(f"{people}?offset=50")
    assert second.text.count("@example.com</td>") == 2
    assert "<td>Administrator</td><td>admin@depvault.local</td>" not in second.text
    assert 'rel="next"' not in second.text
