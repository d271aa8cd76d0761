"""Console tests over the API's session fixtures (in-memory ledger, CR-PE MRA, one token per role).

Each :class:`Officer` is its own cookie jar (its own browser session) on the same app.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Env, env, issued, unique_number  # noqa: F401 - fixtures shared with the API tests

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Officer:
    """A browser-like client: signs in with a token and posts forms with the page's CSRF token."""

    def __init__(self, api: Env, who: str | None, language: str = "en") -> None:
        self.client = TestClient(api.client.app, raise_server_exceptions=False, follow_redirects=False)
        self.client.headers["Accept-Language"] = language
        self.env = api
        if who is not None:
            page = self.client.get("/login")
            response = self.client.post(
                "/login", data={"csrf_token": csrf_of(page.text), "token": api.tokens[who], "next": "/"}
            )
            assert response.status_code == 303, response.text

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        """GET a page."""
        return self.client.get(path, **kwargs)

    def csrf(self, path: str = "/") -> str:
        """The CSRF token of this session (read from a page's form)."""
        return csrf_of(self.get(path).text)

    def post(
        self, path: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **kwargs: Any
    ) -> httpx.Response:
        """POST a form (with the session's CSRF token unless ``csrf`` is False)."""
        fields = dict(data or {})
        if csrf:
            fields["csrf_token"] = self.csrf("/verify")
        return self.client.post(path, data=fields, **kwargs)


def csrf_of(html: str) -> str:
    """The CSRF token in a page."""
    found = CSRF.search(html)
    assert found is not None, "no CSRF field in the page"
    return found.group(1)


def document_form(number: str, **overrides: Any) -> dict[str, Any]:
    """A complete issue form."""
    form: dict[str, Any] = {
        "number": number,
        "operator_name": "Exportadora del Valle S.A.",
        "tax_id": "3-101-123456",
        "address": "Calle 5, Avenida 2",
        "city": "San José",
        "country": "CR",
        "issuing_office": "Aduana Santamaría",
        "valid_from": "2024-01-01",
        "valid_until": "",
        "programmes": ["SECURITY"],
        "roles": ["IMPORTER", "EXPORTER"],
        "sme": "on",
    }
    form.update(overrides)
    return form


@pytest.fixture
def officer(env: Env) -> Callable[..., Officer]:  # noqa: F811 - the imported fixture
    """``officer("cr_writer")``: a signed-in console session of that token."""

    def make(who: str | None, language: str = "en") -> Officer:
        return Officer(env, who, language)

    return make
