"""Driving the web console as a browser would, in-process: sign in through the form
(its form token and cookie), then GET pages and POST forms with the session's CSRF
token. Shared by the console's functional tests and its benchmark."""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.testclient import TestClient

FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class ConsoleUser:
    """One browser: its own cookie jar, signed in (or not) as one person."""

    client: TestClient
    csrf: str = ""

    def sign_in(
        self, email: str, key: str, next_page: str = "/ui/", csrf_from: str | None = "/ui/"
    ) -> int:
        """Submit the sign-in form; the status of its answer (303 when signed in). The
        session's CSRF token is then read from ``csrf_from`` (None: not read)."""
        form = self.client.get("/ui/signin")
        token = FORM_TOKEN.search(form.text)
        assert token, form.text
        answer = self.client.post(
            "/ui/signin",
            data={"email": email, "key": key, "form_token": token.group(1), "next": next_page},
            follow_redirects=False,
        )
        if answer.status_code == 303 and csrf_from is not None:
            page = self.client.get(csrf_from, follow_redirects=True)
            found = CSRF.search(page.text)
            assert found, page.text
            self.csrf = found.group(1)
        return answer.status_code
