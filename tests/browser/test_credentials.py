"""AEO credentials in a real browser: an officer hands one out (file, QR code, printable page); a
visitor with no account verifies it by pasting it, uploading its file and reading its QR code from a
picture through the page's own jsQR decoder (a camera cannot be driven in headless chromium)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Session, new_number
from tests.browser.test_console import issue

pytestmark = pytest.mark.slow
LEGAL_NAME = "Credenciales del Pacífico S.A."


def test_officer_hands_out_a_credential_and_a_visitor_verifies_it(
    signed_in: Callable[..., Session], tmp_path: Path
) -> None:
    officer = signed_in("cr_writer")
    issue(officer, new_number(), legal_name=LEGAL_NAME)
    page = officer.page
    page.click("#credential-link")
    expect(page.locator("h1")).to_contain_text("AEO credential")
    page.uncheck("input[name=disclose][value=trader_id]")
    page.uncheck("input[name=disclose][value=address]")
    page.click("#disclosures button[type=submit]")
    expect(page.locator("#qr svg")).to_be_visible()
    officer.shot("credential")
    with page.expect_download() as credential_download:
        page.click("#download-credential")
    credential_file = tmp_path / "credential.sd-jwt"
    credential_download.value.save_as(credential_file)
    with page.expect_download() as qr_download:
        page.click("#download-qr")
    qr_file = tmp_path / "credential.png"
    qr_download.value.save_as(qr_file)
    assert qr_file.read_bytes().startswith(b"\x89PNG")
    page.click("#print-credential")
    expect(page.locator("#printable h1")).to_contain_text("Authorized Economic Operator")
    expect(page.locator("#printable")).to_contain_text(LEGAL_NAME)
    expect(page.locator("#printable .qr svg")).to_be_visible()
    officer.shot("credential-print")
    assert officer.problems == []

    visitor = signed_in(None)
    text = credential_file.read_text()
    verify = visitor.go("/credentials/verify")
    expect(verify.locator("h1")).to_contain_text("Verify an AEO credential")
    verify.fill("#credential", text)
    verify.click("#verify-credential > button[type=submit]")
    expect(verify.locator("#verdict")).to_have_attribute("data-verdict", "VALID")
    expect(verify.locator("#verdict h2")).to_contain_text("GENUINE AND ACTIVE")
    expect(verify.locator("#disclosed")).to_contain_text(LEGAL_NAME)
    expect(verify.locator("#verdict")).not_to_contain_text("3-101-123456")  # the trader id was withheld
    expect(verify.locator("#recognised")).to_contain_text("PE")
    visitor.shot("credential-verified")

    verify = visitor.go("/credentials/verify")
    verify.set_input_files("#file", str(credential_file))
    verify.click("#verify-credential > button[type=submit]")
    expect(verify.locator("#verdict")).to_have_attribute("data-verdict", "VALID")

    verify = visitor.go("/credentials/verify")
    verify.set_input_files("#qr-image", str(qr_file))  # the page's jsQR reads it and submits the form
    expect(verify.locator("#verdict")).to_have_attribute("data-verdict", "VALID")
    expect(verify.locator("#disclosed")).to_contain_text(LEGAL_NAME)

    verify = visitor.go("/credentials/verify")
    verify.fill("#credential", text.replace(".", ".x", 1))
    verify.click("#verify-credential > button[type=submit]")
    expect(verify.locator("#verdict")).to_have_attribute("data-verdict", "INVALID")
    expect(verify.locator("#verdict h2")).to_contain_text("NOT VALID")
    assert visitor.problems == []
