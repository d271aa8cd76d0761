"""Sign-in with an API token, sign-out, and the language switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from api.console.i18n import LANGUAGE_COOKIE, LANGUAGES
from api.console.web import ConsoleRoute, View, safe_next, view_of

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
ViewDep = Annotated[View, Depends(view_of)]


@router.get("/login")
async def login_form(
    view: ViewDep, next_: Annotated[str | None, Query(alias="next", max_length=2000)] = None
) -> Response:
    """The sign-in form (the token is posted, never put in a URL)."""
    return view.render("login.html", next=safe_next(next_), failed=False)


@router.post("/login")
async def login(view: ViewDep) -> Response:
    """Check the token and start a signed-in session."""
    form = await view.form()
    secret = str(form.get("token", "")).strip()
    target = safe_next(str(form.get("next", "/")))
    record = view.runtime.tokens.authenticate(secret) if secret else None
    if record is None or not view.runtime.tokens.admits(record):  # a gateway admits its administration's only
        return view.render("login.html", status_code=401, next=target, failed=True)
    view.start_session(secret)
    return view.redirect(target)


@router.post("/logout")
async def logout(view: ViewDep) -> Response:
    """End the session."""
    await view.form()
    view.start_session(None)
    return view.redirect("/login")


@router.get("/language/{language}")
async def switch_language(
    language: str, view: ViewDep, next_: Annotated[str | None, Query(alias="next", max_length=2000)] = None
) -> Response:
    """Remember the chosen language (a cookie) and go back."""
    if language in LANGUAGES:
        view.cookies[LANGUAGE_COOKIE] = language
    return view.redirect(safe_next(next_))
