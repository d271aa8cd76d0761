"""``/docs`` works offline: the page references only this server, and every asset it names is served."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

from tests.api.conftest import Env


class _References(HTMLParser):
    """Every URL a page loads or links: src/href attributes and url(...)/'…' strings in inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        self.urls += [value for name, value in attrs if name in {"src", "href"} and value]

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.urls += re.findall(r"""['"]((?:https?:)?//[^'"]+|/[^'"\s]*)['"]""", data)

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False


def test_docs_reference_only_local_assets_and_they_are_served(env: Env) -> None:
    page = env.client.get("/docs")
    assert page.status_code == 200
    parser = _References()
    parser.feed(page.text)
    assert parser.urls, "the docs page loads Swagger UI's assets"
    assert "http" not in page.text.replace("http-equiv", "")  # no absolute URL anywhere on the page
    for url in parser.urls:
        parts = urlsplit(url)
        assert not parts.scheme
        assert not parts.netloc, f"{url} is on another host"
        assert env.client.get(url).status_code == 200, url
    assets = [u for u in parser.urls if u.endswith((".js", ".css"))]
    assert {u.rsplit("/", 1)[-1] for u in assets} >= {"swagger-ui-bundle.js", "swagger-ui.css"}
    assert "/openapi.json" in parser.urls


def test_redoc_from_a_cdn_is_not_offered(env: Env) -> None:
    assert env.client.get("/redoc").status_code == 404
