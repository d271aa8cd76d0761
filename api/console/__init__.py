"""The web console: server-rendered pages for customs officers, partner administrations and
auditors, in Spanish and English, served by the API app at ``/`` beside ``/v1``.

Every page reads through the index functions the API's routes use and writes through the
routes' own functions; sessions, CSRF, the security headers and the language live in
:mod:`api.console.web`, :mod:`api.console.sessions` and :mod:`api.console.i18n`.
"""

from __future__ import annotations

from fastapi import FastAPI

from api.config import ApiSettings
from api.console import (
    pages_audit,
    pages_auth,
    pages_certificates,
    pages_credentials,
    pages_import,
    pages_kpis,
    pages_mras,
    pages_partner,
)
from api.console.figures import FigureCache
from api.console.imports import ImportJobs
from api.console.web import HERE, ConsoleState, StaticAssets

#: The QR decoder of the credential page: the npm package ``jsqr`` pinned in package-lock.json,
#: served from ``node_modules`` as installed (never a copy in the repository).
JSQR_DIST = "jsqr/dist"
JSQR_FILE = "jsQR.js"
JSQR_URL = "/static/vendor/jsqr"


def install_console(app: FastAPI, settings: ApiSettings) -> None:
    """Mount the console's pages and its static assets (``/static``) on ``app``."""
    app.state.console = ConsoleState.create(
        idle_seconds=settings.console_session_idle_seconds,
        max_seconds=settings.console_session_max_seconds,
        secure_cookie=settings.console_secure_cookie,
    )
    app.state.console_imports = ImportJobs()
    app.state.console_figures = FigureCache()
    jsqr = settings.console_node_modules / JSQR_DIST
    app.state.console_qr_decoder = (jsqr / JSQR_FILE).is_file()
    if app.state.console_qr_decoder:  # mounted first: /static would otherwise answer its 404
        app.mount(JSQR_URL, StaticAssets(directory=jsqr), name="console-jsqr")
    app.mount("/static", StaticAssets(directory=HERE / "static"), name="console-static")
    pages = (pages_auth, pages_credentials, pages_certificates, pages_partner, pages_audit, pages_mras, pages_import)
    for module in (*pages, pages_kpis):
        app.include_router(module.router)
