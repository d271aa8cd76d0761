"""The console's request plumbing: the per-request :class:`View` (session, principal, language),
rendering, CSRF checks, security headers, and the route class that turns every error into an
HTML page with the status the API would answer (the one mapping, :func:`api.errors.classify`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from api.auth import Principal
from api.console.figures import FigureCache, Figures
from api.console.i18n import LANGUAGE_COOKIE, Formatter, negotiate, translations
from api.console.labels import label_message
from api.console.sessions import COOKIE, Session, SessionStore
from api.errors import ProblemError, classify
from api.runtime import Runtime
from api.tokens import Role
from ledger_client.errors import LedgerError

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


@dataclass
class ConsoleState:
    """What the console keeps per app: sessions, templates and cookie settings."""

    sessions: SessionStore
    templates: Environment
    secure_cookie: bool

    @classmethod
    def create(cls, *, idle_seconds: float, max_seconds: float, secure_cookie: bool) -> ConsoleState:
        """Sessions with these lifetimes and the template environment (autoescaping every template)."""
        templates = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        return cls(SessionStore(idle_seconds=idle_seconds, max_seconds=max_seconds), templates, secure_cookie)


class SignInRequired(Exception):
    """The page needs a signed-in session: redirect to the sign-in form."""


def console_state(request: Request) -> ConsoleState:
    """The app's console state."""
    state: ConsoleState = request.app.state.console
    return state


@dataclass
class View:
    """One console request: who asks, in which language, with which session."""

    request: Request
    runtime: Runtime
    state: ConsoleState
    session: Session
    principal: Principal | None
    language: str
    new_session: bool = False
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def formatter(self) -> Formatter:
        """Dates and numbers in the page's language."""
        return Formatter(self.language)

    def gettext(self, message: str) -> str:
        """``message`` translated into the page's language."""
        return translations(self.language).gettext(message)

    def signed_in(self) -> Principal:
        """The principal; :class:`SignInRequired` when the session is anonymous."""
        if self.principal is None:
            raise SignInRequired
        return self.principal

    @property
    def administration(self) -> str | None:
        """The signed-in token's administration."""
        return None if self.principal is None else self.principal.administration

    def is_writer(self) -> bool:
        """A writer token (may change its administration's data)."""
        return self.principal is not None and self.principal.role is Role.WRITER

    def figures(self, code: str, *, history: bool = True) -> Figures:
        """``code``'s KPIs and MRA coverage at the indexed block (computed once per block)."""
        cache: FigureCache = self.request.app.state.console_figures
        return cache.figures(self.runtime.index, code, history=history)

    def label(self, name: object) -> str:
        """The translated label of an enum name (``"SUSPENDED"`` → ``"Suspendido"``)."""
        return self.gettext(label_message(str(name)))

    def render(self, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
        """The page ``template`` with ``values`` (every value autoescaped)."""
        body = self.state.templates.get_template(template).render(
            _=self.gettext,
            label=self.label,
            view=self,
            fmt=self.formatter,
            principal=self.principal,
            csrf=self.session.csrf,
            flashes=self.session.take_flashes(),
            path=self.request.url.path,
            **values,
        )
        response = HTMLResponse(body, status_code=status_code)
        self.finish(response)
        return response

    def redirect(self, target: str) -> RedirectResponse:
        """303 See Other to ``target`` (after a form post)."""
        response = RedirectResponse(target, status_code=303)
        self.finish(response)
        return response

    def finish(self, response: Response) -> None:
        """Set the session cookie when the session is new, and any other cookie of this request."""
        if self.new_session:
            response.set_cookie(
                COOKIE,
                self.session.id,
                max_age=int(self.state.sessions.max_seconds),
                httponly=True,
                samesite="strict",
                secure=self.state.secure_cookie,
                path="/",
            )
        for name, value in self.cookies.items():
            response.set_cookie(
                name, value, max_age=365 * 86400, httponly=True, samesite="strict", secure=self.state.secure_cookie
            )

    def start_session(self, secret: str | None) -> None:
        """Replace the session by a new one (at sign-in and sign-out)."""
        self.state.sessions.end(self.session.id)
        self.session = self.state.sessions.new(secret)
        self.new_session = True

    async def form(self) -> FormData:
        """The posted form, once its CSRF token is checked (403 otherwise)."""
        form = await self.request.form()
        token = form.get("csrf_token")
        if not self.session.check_csrf(token if isinstance(token, str) else None):
            raise ProblemError(403, "csrf", "Forbidden", "the form's CSRF token is missing or wrong; reload the page")
        return form


async def view_of(request: Request) -> View:
    """The request's :class:`View` (made once per request). Async: no thread hop."""
    existing = getattr(request.state, "console_view", None)
    if isinstance(existing, View):
        return existing
    state = console_state(request)
    runtime: Runtime = request.app.state.runtime
    session = state.sessions.get(request.cookies.get(COOKIE))
    new_session = session is None
    if session is None:
        session = state.sessions.new()
    principal = None
    if session.secret is not None:
        record = runtime.tokens.authenticate(session.secret)
        if record is None or not runtime.tokens.admits(record):  # revoked since sign-in: the session ends
            state.sessions.end(session.id)
            session, new_session = state.sessions.new(), True
        else:
            principal = Principal.of(record)
            request.state.principal = principal  # the access log names it (and records agency reads)
    language = negotiate(request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language"))
    view = View(request, runtime, state, session, principal, language, new_session)
    request.state.console_view = view
    return view


def error_message(exc: BaseException) -> tuple[int, str]:
    """The status the API answers for ``exc`` and the message shown."""
    if isinstance(exc, ProblemError):
        return exc.status, exc.detail
    if isinstance(exc, RequestValidationError):
        parts = [f"{'.'.join(str(p) for p in e.get('loc', ())[1:])}: {e.get('msg', '')}" for e in exc.errors()[:5]]
        return 422, "; ".join(parts)
    if isinstance(exc, ValidationError):
        parts = [f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors()[:5]]
        return 422, "; ".join(parts)
    if isinstance(exc, StarletteHTTPException):
        return exc.status_code, str(exc.detail)
    status, _, _ = classify(exc)
    return status, str(exc)


async def error_page(request: Request, exc: BaseException) -> Response:
    """The error page of ``exc`` with its status."""
    status, message = error_message(exc)
    if status >= 500:
        log.warning("console %s %s failed: %s: %s", request.method, request.url.path, type(exc).__name__, exc)
    view = await view_of(request)
    return view.render("error.html", status_code=status, status=status, message=message)


def secure(response: Response) -> Response:
    """Add the console's security headers."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


class ConsoleRoute(APIRoute):
    """A console route: HTML error pages, sign-in redirects, security headers on every answer."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap FastAPI's handler."""
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                response = await original(request)
            except SignInRequired:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                response = RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
                view = await view_of(request)
                view.finish(response)
            except (ProblemError, LedgerError, RequestValidationError, ValidationError, StarletteHTTPException) as exc:
                response = await error_page(request, exc)
            return secure(response)

        return handler


class StaticAssets(StaticFiles):
    """The console's own CSS and JS, with ``nosniff`` and a day of caching."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        """The file, with headers."""
        response = await super().get_response(path, scope)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers.setdefault("Cache-Control", "public, max-age=86400")
        return response


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go to after sign-in or a language switch (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def query(values: Mapping[str, object]) -> str:
    """A query string of the non-empty ``values``."""
    return urlencode({k: v for k, v in values.items() if v not in (None, "", False)})
