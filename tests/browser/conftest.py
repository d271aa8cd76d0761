"""Browser tests: Debian's chromium driven by Playwright against the console served by uvicorn.

The app is the API tests' session app (same in-memory ledger and tokens), served on a free
loopback port in a thread. Chromium is the system one (``/usr/bin/chromium``, installed by
``scripts/test.sh``); Playwright never downloads a browser. Every test writes screenshots to
``tests/browser/screenshots/`` (ignored by git).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, sync_playwright

from api.main import create_app
from tests.api.conftest import Env, env, unique_number  # noqa: F401 - fixtures shared with the API tests

CHROMIUM = os.environ.get("AEO_LEDGER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Console:
    """The served console and the API fixture behind it."""

    url: str
    env: Env


@pytest.fixture(scope="session")
def console(env: Env) -> Iterator[Console]:  # noqa: F811 - the imported fixture
    """uvicorn serving the console on a free loopback port (stopped within seconds at the end)."""
    app = create_app(runtime=env.runtime)
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan="off", log_level="warning", timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="console-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the console did not start"
    yield Console(f"http://127.0.0.1:{port}", env)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """Playwright's driver."""
    if shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists():
        pytest.fail(f"no chromium at {CHROMIUM}: scripts/test.sh installs Debian's chromium (apt-get install chromium)")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's chromium, headless."""
    launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
    yield launched
    launched.close()


@dataclass
class Session:
    """One browser context (its own cookies) signed in with one token, recording CSP violations."""

    page: Page
    base: str
    name: str
    problems: list[str] = field(default_factory=list)

    def go(self, path: str) -> Page:
        """Open ``path`` and wait for it to load."""
        self.page.goto(self.base + path)
        return self.page

    def shot(self, label: str) -> Path:
        """A full-page screenshot in ``tests/browser/screenshots/``."""
        SCREENSHOTS.mkdir(exist_ok=True)
        target = SCREENSHOTS / f"{self.name}-{label}.png"
        self.page.screenshot(path=str(target), full_page=True)
        return target


@pytest.fixture
def signed_in(console: Console, browser: Browser) -> Iterator[Callable[..., Session]]:
    """``signed_in("cr_writer", language="en")``: a browser session signed in through the form."""
    contexts = []

    def open_session(who: str | None, *, language: str = "en", width: int = 1280, height: int = 900) -> Session:
        context = browser.new_context(locale=language, viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        session = Session(page, console.url, who or "anonymous")

        def record(message: ConsoleMessage) -> None:
            if "Content Security Policy" in message.text:
                session.problems.append(message.text)

        page.on("console", record)
        page.on("pageerror", lambda error: session.problems.append(str(error)))
        page.goto(console.url + "/login")
        if who is not None:
            page.fill("#token", console.env.tokens[who])
            page.click("form.stack button[type=submit]")
            page.wait_for_url(console.url + "/")
        return session

    yield open_session
    for context in contexts:
        context.close()


def new_number() -> str:
    """A certificate number no other test uses."""
    return unique_number("WEB")
