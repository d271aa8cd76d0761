"""Sign-in, sessions, CSRF, security headers, escaping and role-aware refusals."""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.console.conftest import Env, Officer, csrf_of, document_form, unique_number


def test_sign_in_starts_an_http_only_strict_session_and_never_shows_the_token(
    env: Env, officer: Callable[..., Officer]
) -> None:
    anonymous = officer(None)
    form = anonymous.get("/login")
    assert form.status_code == 200
    response = anonymous.client.post(
        "/login", data={"csrf_token": csrf_of(form.text), "token": env.tokens["cr_writer"], "next": "/certificates"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/certificates"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Max-Age=" in cookie
    assert env.tokens["cr_writer"] not in cookie
    page = anonymous.get("/certificates")
    assert page.status_code == 200
    assert env.tokens["cr_writer"] not in page.text
    assert env.tokens["cr_writer"] not in str(page.url)


def test_a_wrong_token_is_refused(officer: Callable[..., Officer]) -> None:
    anonymous = officer(None)
    form = anonymous.get("/login")
    response = anonymous.client.post("/login", data={"csrf_token": csrf_of(form.text), "token": "aeo_wrong"})
    assert response.status_code == 401
    assert anonymous.get("/").status_code == 303


def test_pages_redirect_to_sign_in_and_sign_out_ends_the_session(officer: Callable[..., Officer]) -> None:
    anonymous = officer(None)
    response = anonymous.get("/certificates?status=ACTIVE")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fcertificates%3Fstatus%3DACTIVE"
    writer = officer("cr_writer")
    assert writer.get("/").status_code == 200
    assert writer.post("/logout").status_code == 303
    assert writer.get("/").status_code == 303


def test_a_revoked_token_ends_its_session(env: Env, officer: Callable[..., Officer]) -> None:
    record, secret = env.runtime.tokens.create("reader", "CR", label="revoked-in-session")
    env.tokens["short_lived"] = secret
    reader = officer("short_lived")
    assert reader.get("/").status_code == 200
    env.runtime.tokens.revoke(record.id)
    assert reader.get("/").status_code == 303


def test_a_post_without_the_csrf_token_is_refused(env: Env, officer: Callable[..., Officer]) -> None:
    writer = officer("cr_writer")
    number = unique_number("CSRF")
    response = writer.post("/certificates/new", document_form(number), csrf=False)
    assert response.status_code == 403
    wrong = writer.client.post("/certificates/new", data={**document_form(number), "csrf_token": "forged"})
    assert wrong.status_code == 403
    assert "CSRF" in wrong.text
    listing = writer.get(f"/certificates?issuer=CR&number={number}")
    assert "No certificate matches." in listing.text
    anonymous = officer(None)
    assert anonymous.client.post("/login", data={"token": env.tokens["cr_writer"]}).status_code == 403


def test_every_page_sends_a_policy_without_inline_scripts(officer: Callable[..., Officer]) -> None:
    auditor = officer("auditor")
    for path in ("/", "/certificates", "/mras", "/inbox?administration=PE", "/audit", "/verify", "/kpis", "/login"):
        response = auditor.get(path)
        assert response.status_code == 200, path
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert response.headers["x-content-type-options"] == "nosniff"
        assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", response.text) is None, path
        assert re.search(r"\son[a-z]+=", response.text) is None, path


def test_a_legal_name_with_markup_renders_as_text(officer: Callable[..., Officer]) -> None:
    writer = officer("cr_writer")
    name = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = writer.post("/certificates/new", document_form(unique_number("XSS"), operator_name=name))
    assert response.status_code == 303, response.text
    page = writer.get(response.headers["location"])
    assert page.status_code == 200
    assert name not in page.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in page.text


def test_forbidden_actions_are_not_offered_and_refused_when_forced(officer: Callable[..., Officer]) -> None:
    writer = officer("cr_writer")
    created = writer.post("/certificates/new", document_form(unique_number("FORBID")))
    location = created.headers["location"]
    assert "/suspend" in writer.get(location).text
    partner = officer("pe_writer")
    page = partner.get(location)
    assert page.status_code == 200
    assert "/suspend" not in page.text
    forced = partner.post(f"{location}/suspend", {"reason": "NON_COMPLIANCE"})
    assert forced.status_code == 403
    assert "may not change certificates of administration CR" in forced.text
    reader = officer("cr_reader")
    assert "/certificates/new" not in reader.get("/").text
    assert reader.get("/certificates/new").status_code == 403
    assert reader.post(f"{location}/suspend", {"reason": "NON_COMPLIANCE"}).status_code == 403
    assert "Active" in writer.get(location).text
    assert "/audit" not in writer.get("/").text.split("<main")[0]
    assert officer("auditor").post(f"{location}/revoke", {"reason": "FRAUD"}).status_code == 403
