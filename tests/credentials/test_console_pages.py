"""The console's credential pages: an officer hands one out; anyone verifies one without signing in."""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.api.conftest import Env
from tests.console.conftest import Officer, csrf_of
from tests.credentials.conftest import LEGAL_NAME, STREET, TAX_ID, Issued, credential_of

TEXTAREA = re.compile(r'<textarea id="credential-text"[^>]*>([^<]+)</textarea>')


def test_the_officer_gets_the_credential_page_file_qr_and_print(own: Env, certificate: Callable[..., Issued]) -> None:
    issued = certificate()
    officer = Officer(own, "cr_writer")
    page = officer.get(f"/certificates/{issued.certificate_id}")
    assert f'href="/certificates/{issued.certificate_id}/credential"' in page.text
    page = officer.get(f"/certificates/{issued.certificate_id}/credential?chosen=1&disclose=legal_name")
    assert page.status_code == 200, page.text
    assert "<svg" in page.text
    assert "script" not in page.text.split("<svg", 1)[1].split("</svg>", 1)[0]
    found = TEXTAREA.search(page.text)
    assert found is not None
    assert len(found.group(1).split("~")) == 3  # the JWT, one disclosure, the empty key-binding part
    download = officer.get(f"/certificates/{issued.certificate_id}/credential/file?chosen=1&disclose=address")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/vc+sd-jwt")
    assert download.headers["content-disposition"].endswith('-credential.sd-jwt"')
    png = officer.get(f"/certificates/{issued.certificate_id}/credential/qr.png")
    assert png.status_code == 200
    assert png.content.startswith(b"\x89PNG")
    printable = officer.get(f"/certificates/{issued.certificate_id}/credential/print")
    assert printable.status_code == 200
    assert LEGAL_NAME in printable.text
    assert "<svg" in printable.text
    assert officer.get(f"/certificates/{issued.certificate_id}/credential?chosen=1&disclose=x").status_code == 422


def test_other_tokens_get_no_credential(own: Env, certificate: Callable[..., Issued]) -> None:
    issued = certificate()
    for who in ("cr_reader", "pe_writer", "auditor"):
        page = Officer(own, who).get(f"/certificates/{issued.certificate_id}/credential")
        assert page.status_code == 403, who
    anonymous = Officer(own, None).get(f"/certificates/{issued.certificate_id}/credential")
    assert anonymous.status_code == 303  # to the sign-in form


def test_a_visitor_verifies_a_credential_without_an_account(own: Env, certificate: Callable[..., Issued]) -> None:
    text = credential_of(own, certificate())
    visitor = Officer(own, None, language="es")
    form = visitor.get("/credentials/verify")
    assert form.status_code == 200
    assert "Verificar una credencial OEA" in form.text
    assert '<script src="/static/vendor/jsqr/jsQR.js"' in form.text
    pasted = visitor.client.post("/credentials/verify", data={"csrf_token": csrf_of(form.text), "credential": text})
    assert pasted.status_code == 200, pasted.text
    assert 'data-verdict="VALID"' in pasted.text
    assert "AUTÉNTICA Y VIGENTE" in pasted.text
    assert LEGAL_NAME in pasted.text
    assert TAX_ID in pasted.text
    assert STREET in pasted.text
    uploaded = visitor.client.post(
        "/credentials/verify",
        data={"csrf_token": csrf_of(form.text), "credential": ""},
        files={"file": ("op.sd-jwt", text.encode(), "application/vc+sd-jwt")},
    )
    assert 'data-verdict="VALID"' in uploaded.text
    forged = visitor.client.post(
        "/credentials/verify", data={"csrf_token": csrf_of(form.text), "credential": text[:-40] + "A" * 40}
    )
    assert 'data-verdict="INVALID"' in forged.text
    assert "NO VÁLIDA" in forged.text
    no_csrf = visitor.client.post("/credentials/verify", data={"credential": text})
    assert no_csrf.status_code == 403


def test_a_credential_too_long_for_one_qr_code_says_so(own: Env, certificate: Callable[..., Issued]) -> None:
    issued = certificate(legal_name="Exportadora " + "del Valle " * 50, street="Calle " + "5, Avenida 2 " * 38)
    officer = Officer(own, "cr_writer")
    page = officer.get(f"/certificates/{issued.certificate_id}/credential")
    assert page.status_code == 200
    assert "too long for one QR code" in page.text
    assert "<svg" not in page.text
    fewer = officer.get(f"/certificates/{issued.certificate_id}/credential?chosen=1&disclose=trader_id")
    assert "too long for one QR code" not in fewer.text
    assert "<svg" in fewer.text
