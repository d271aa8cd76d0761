"""The console in a real browser (Debian's chromium via Playwright): every role's pages, the
officer-partner-auditor story, import, forbidden actions, languages, XSS and CSRF."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Console, Session, new_number

pytestmark = pytest.mark.slow  # a real browser: about a minute and a half for the module
NAV = "nav.main-nav"


def issue(officer: Session, number: str, legal_name: str = "Exportadora del Valle S.A.") -> str:
    """Fill and send the issue form; returns the certificate id from the page's URL."""
    page = officer.go("/certificates/new")
    page.fill("#number", number)
    page.fill("#i-operator_name", legal_name)
    page.fill("#i-tax_id", "3-101-123456")
    page.fill("#i-address", "Calle 5, Avenida 2")
    page.fill("#i-city", "San José")
    page.fill("#i-country", "CR")
    page.fill("#i-issuing_office", "Aduana Santamaría")
    page.fill("#i-valid_from", "2024-01-01")
    page.check("input[name=programmes][value=SECURITY]")
    page.check("input[name=roles][value=IMPORTER]")
    page.check("input[name=roles][value=EXPORTER]")
    page.check("input[name=sme]")
    page.click("form.stack > button[type=submit]")
    page.wait_for_url(re.compile(r"/certificates/0x[0-9a-f]{64}$"))
    expect(page.locator("p.flash-ok")).to_contain_text("Certificate issued.")
    return page.url.rsplit("/", 1)[1]


def test_sign_in_per_role_shows_what_the_role_may_do(signed_in: Callable[..., Session]) -> None:
    expected = {
        "cr_writer": (["Issue", "Import", "Signers", "Inbox"], ["Audit"]),
        "cr_reader": (["Inbox", "Signers"], ["Issue", "Import", "Audit"]),
        "auditor": (["Audit", "Verify a document"], ["Issue", "Import", "Signers"]),
        "governance": (["Audit", "KPIs"], ["Issue", "Import", "Signers"]),
    }
    for who, (present, absent) in expected.items():
        session = signed_in(who)
        nav = session.page.locator(NAV)
        for item in present:
            expect(nav.get_by_role("link", name=item, exact=True)).to_be_visible()
        for item in absent:
            expect(nav.get_by_role("link", name=item, exact=True)).to_have_count(0)
        expect(session.page.locator("h1")).to_contain_text("Dashboard")
        session.shot("dashboard")
        session.page.click("form.logout button")
        session.page.wait_for_url(re.compile(r"/login$"))
        session.go("/certificates")
        expect(session.page).to_have_url(re.compile(r"/login\?next=%2Fcertificates$"))
        assert session.problems == []


def test_officer_issues_and_suspends_partner_sees_it_live_and_acknowledges(
    signed_in: Callable[..., Session],
) -> None:
    officer = signed_in("cr_writer")
    partner = signed_in("pe_writer")
    certificate_id = issue(officer, new_number())
    expect(officer.page.locator(".recognitions")).to_contain_text("PE recognises it")
    officer.shot("certificate")
    inbox = partner.go("/inbox")
    expect(inbox.locator("#live")).to_have_class(re.compile(r"\bon\b"))
    officer.page.select_option("#suspend-reason", "NON_COMPLIANCE")
    officer.page.click("form[action$='/suspend'] button")
    expect(officer.page.locator("p.flash-ok")).to_contain_text("SUSPENDED, event 2")
    expect(officer.page.locator(".recognitions")).to_contain_text("PE does not recognise it")
    live_row = inbox.locator(f"tr.fresh input[value='{certificate_id}:2']")
    expect(live_row).to_have_count(1)  # appeared without a reload, over Server-Sent Events
    expect(inbox.locator("tr.fresh").last).to_contain_text("Suspended")
    partner.shot("inbox-live")
    live_row.check()
    inbox.locator("#inbox-form button[type=submit]").click()
    expect(inbox.locator("p.flash-ok")).to_contain_text("Acknowledged: 1.")
    expect(inbox.locator(f"input[value='{certificate_id}:2']")).to_have_count(0)
    dashboard = officer.go("/")
    expect(dashboard.locator("table")).to_contain_text("acknowledged")
    assert officer.problems == []
    assert partner.problems == []


def test_auditor_verifies_the_history_and_catches_an_altered_document(
    signed_in: Callable[..., Session], console: Console
) -> None:
    officer = signed_in("cr_writer")
    certificate_id = issue(officer, new_number())
    auditor = signed_in("auditor")
    page = auditor.go(f"/audit/certificates/{certificate_id}")
    expect(page.locator(".verdict h2")).to_have_text("✓ VERIFIED")
    page.fill("#at", "2099-12-31")
    page.click("form.filters button")
    expect(page.locator("p.verdict")).to_contain_text("valid")
    auditor.shot("audit")
    with page.expect_download() as download:
        page.click("a[href$='history.csv']")
    assert download.value.suggested_filename.endswith(".csv")
    stored = console.env.runtime.settings.state_directory() / "documents" / f"{certificate_id[2:]}.json"
    document = json.loads(stored.read_text())
    document["operator"]["tax_id"] = "3-101-999999"
    verify = auditor.go("/verify")
    verify.set_input_files(
        "#document",
        files=[{"name": "presented.json", "mimeType": "application/json", "buffer": json.dumps(document).encode()}],
    )
    verify.click("form.stack button")
    expect(verify.locator(".verdict h2")).to_contain_text("ALTERED OR UNKNOWN")
    expect(verify.locator("tr.diff")).to_contain_text("operator.tax_id")
    expect(verify.locator("tr.diff")).to_contain_text("3-101-999999")
    auditor.shot("verify-altered")
    verify.set_input_files(
        "#document", files=[{"name": "genuine.json", "mimeType": "application/json", "buffer": stored.read_bytes()}]
    )
    verify.click("form.stack button")
    expect(verify.locator(".verdict h2")).to_contain_text("GENUINE")
    assert auditor.problems == []


def test_import_page_shows_progress_and_the_bad_lines(signed_in: Callable[..., Session]) -> None:
    officer = signed_in("cr_writer")
    header = (
        "certificate_number,operator_name,tax_id,address,city,roles,programmes,sme,valid_from,valid_until,"
        "issuing_office"
    )
    rows = [
        f"{new_number()},Operador {i},3-101-{i},Calle {i},Cartago,importer,security,yes,2024-03-01,,Aduana Central"
        for i in range(30)
    ]
    rows.insert(
        5, f"{new_number()},Operador malo,3-101-x,Calle 9,Cartago,importer,security,maybe,2024-03-01,,Aduana Central"
    )
    rows.insert(9, f"{new_number()},Operador sin fecha,3-101-y,Calle 9,Cartago,importer,security,no,,,Aduana Central")
    page = officer.go("/import")
    page.set_input_files(
        "#file", files=[{"name": "registry.csv", "mimeType": "text/csv", "buffer": "\n".join([header, *rows]).encode()}]
    )
    page.click("form.stack button")
    page.wait_for_url(re.compile(r"/import/[A-Za-z0-9_-]+$"))
    expect(page.locator("#import-progress")).to_be_visible()
    expect(page.locator("#import-done")).to_contain_text("Import finished.", timeout=60_000)
    progress = page.locator("#import-progress")
    assert progress.get_attribute("max") == progress.get_attribute("value") == "32"
    rejected = page.locator("#rejected tbody tr")
    expect(rejected).to_have_count(2)
    expect(rejected.nth(0)).to_contain_text("7")
    expect(rejected.nth(1)).to_contain_text("11")
    expect(page.locator("[data-figure=landed]")).to_have_text("30")
    officer.shot("import")
    assert officer.problems == []


def test_a_forbidden_action_is_not_offered_and_is_refused_when_forced(signed_in: Callable[..., Session]) -> None:
    officer = signed_in("cr_writer")
    certificate_id = issue(officer, new_number())
    partner = signed_in("pe_writer")
    page = partner.go(f"/certificates/{certificate_id}")
    expect(page.locator("form[action$='/suspend']")).to_have_count(0)
    expect(page.locator("#actions")).to_have_count(0)
    csrf = page.locator("input[name=csrf_token]").first.get_attribute("value")
    forced = page.request.post(
        f"{partner.base}/certificates/{certificate_id}/suspend", form={"csrf_token": csrf or "", "reason": "FRAUD"}
    )
    assert forced.status == 403
    assert "may not change certificates of administration CR" in forced.text()
    expect(officer.go(f"/certificates/{certificate_id}").locator(".badge").first).to_have_text("Active")
    reader = signed_in("cr_reader")
    denied = reader.go("/certificates/new")
    expect(denied.locator("h1")).to_contain_text("Not allowed")
    reader.shot("forbidden")


def test_spanish_and_english_render_and_switch(signed_in: Callable[..., Session]) -> None:
    spanish = signed_in("cr_writer", language="es-CR")
    page = spanish.page
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator(NAV)).to_contain_text("Certificados")
    expect(page.locator("h1")).to_contain_text("Panel")
    spanish.go("/kpis")
    expect(page.locator("h1")).to_contain_text("Indicadores clave")
    expect(page.locator("#t-programme-months")).to_have_text("Certificados vigentes por programa a lo largo del tiempo")
    programmes = page.locator('img[src^="/kpis/charts/programme-months.svg"]')
    programmes.scroll_into_view_if_needed()
    expect(programmes).to_have_attribute("alt", "Gráfico: Certificados vigentes por programa a lo largo del tiempo")
    page.wait_for_function(
        "() => { const i = document.querySelector('img[src^=\"/kpis/charts/programme-months.svg\"]');"
        " return i.complete && i.naturalWidth > 0; }"
    )
    spanish.shot("kpis-es")
    page.click("nav.lang a[lang=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_contain_text("Key figures")
    spanish.shot("kpis-en")
    english = signed_in("pe_reader", language="en-US")
    expect(english.page.locator(NAV)).to_contain_text("Certificates")
    assert spanish.problems == []
    assert english.problems == []


def test_an_xss_string_stays_text(signed_in: Callable[..., Session]) -> None:
    officer = signed_in("cr_writer")
    dialogs: list[str] = []
    officer.page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    name = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
    issue(officer, new_number(), legal_name=name)
    expect(officer.page.locator("dd.operator")).to_contain_text(name)
    assert officer.page.evaluate("window.__xss === undefined")
    assert officer.page.locator("dd.operator img, dd.operator script").count() == 0
    assert dialogs == []


def test_a_post_without_the_csrf_token_is_refused(signed_in: Callable[..., Session]) -> None:
    officer = signed_in("cr_writer")
    number = new_number()
    response = officer.page.request.post(f"{officer.base}/certificates/new", form={"number": number})
    assert response.status == 403
    assert "CSRF" in response.text()
    page = officer.go(f"/certificates?issuer=CR&number={number}")
    expect(page.locator("main")).to_contain_text("No certificate matches.")


#: The innermost elements that reach past the viewport's right edge (what makes a page scroll sideways).
WIDER_THAN_THE_SCREEN = """[...document.querySelectorAll('main *')]
  .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
  .filter((e) => ![...e.children].some((c) => c.getBoundingClientRect().right > window.innerWidth + 1))
  .slice(0, 5).map((e) => e.tagName + '.' + e.className + ': ' + (e.textContent || '').trim().slice(0, 60))"""


#: The main menu's tabs that do not lie wholly within the viewport.
TABS_PAST_THE_EDGE = """[...document.querySelectorAll('.main-nav a')]
  .filter((a) => { const r = a.getBoundingClientRect(); return r.left < -1 || r.right > window.innerWidth + 1; })
  .map((a) => a.textContent.trim())"""


def test_screenshots_of_every_page_wide_and_narrow(signed_in: Callable[..., Session], console: Console) -> None:
    officer = signed_in("cr_writer")
    certificate_id = issue(officer, new_number())
    mra = console.env.mra_id
    pages = {
        "certificates": "/certificates",
        "issue": "/certificates/new",
        "mras": "/mras",
        "mra": f"/mras/{mra}",
        "signers": "/administration",
        "recognition": "/recognition?issuer=CR&number=" + new_number(),
        "kpis": "/kpis",
        "import-form": "/import",
        "inbox": "/inbox",
    }
    for label, path in pages.items():
        officer.go(path)
        expect(officer.page.locator("main h1")).to_be_visible()
        officer.shot(label)
    auditor = signed_in("auditor")
    for label, path in {"audit-home": "/audit", "audit-mra": f"/audit/mras/{mra}", "verify": "/verify"}.items():
        auditor.go(path)
        auditor.shot(label)
    anonymous = signed_in(None)
    anonymous.shot("login")
    narrow = signed_in("cr_writer", width=390, height=844)
    narrow_pages = {
        "certificate": f"/certificates/{certificate_id}",
        "dashboard": "/",
        "kpis": "/kpis",
        "certificates": "/certificates",
        "inbox": "/inbox",
        "mras": "/mras",
    }
    for label, path in narrow_pages.items():
        narrow.go(path)
        overflow = narrow.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        wide = narrow.page.evaluate(WIDER_THAN_THE_SCREEN)
        assert overflow <= 1, f"{label} scrolls sideways on a narrow screen ({overflow}px): {wide}"
        # nor is anything hidden past the edge inside a frame that scrolls (a table, the menu)
        assert wide == [], f"{label} has content past a narrow screen's edge: {wide}"
        cut_tabs = narrow.page.evaluate(TABS_PAST_THE_EDGE)
        assert cut_tabs == [], f"{label}: menu tabs past a narrow screen's edge: {cut_tabs}"
        narrow.shot(f"narrow-{label}")
    for session in (officer, auditor, anonymous, narrow):
        assert session.problems == []


def test_keyboard_signs_in_and_reaches_the_content(signed_in: Callable[..., Session], console: Console) -> None:
    anonymous = signed_in(None)
    page = anonymous.page
    expect(page.locator("#token")).to_be_focused()
    expect(page.locator("label[for=token]")).to_have_count(1)
    page.keyboard.type(console.env.tokens["cr_reader"])
    page.keyboard.press("Enter")
    page.wait_for_url(console.url + "/")
    page.keyboard.press("Tab")
    expect(page.locator("a.skip")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("main a").first).to_be_focused()


def test_on_a_phone_the_inbox_rows_stack_under_their_column_names_live_rows_too(
    signed_in: Callable[..., Session],
) -> None:
    officer = signed_in("cr_writer")
    partner = signed_in("pe_writer", width=390, height=844)
    certificate_id = issue(officer, new_number())
    inbox = partner.go("/inbox")
    expect(inbox.locator("#live")).to_have_class(re.compile(r"\bon\b"))
    first = inbox.locator(f"tr:has(input[value='{certificate_id}:1'])")
    expect(first).to_have_count(1)
    labels = "(row) => [...row.cells].map((cell) => cell.dataset.label || null)"
    assert first.evaluate(labels) == [None, "Time", "Issuer", "Certificate", "Event", "Status after"]
    assert first.evaluate("(row) => [...row.cells].map((cell) => cell.getAttribute('role'))") == ["cell"] * 6
    expect(inbox.locator("label.select-all")).to_be_visible()  # "Select all" stays, with its words
    officer.page.select_option("#suspend-reason", "NON_COMPLIANCE")
    officer.page.click("form[action$='/suspend'] button")
    live = inbox.locator(f"tr.fresh:has(input[value='{certificate_id}:2'])")
    expect(live).to_have_count(1)
    assert live.evaluate(labels) == [None, "Time", "Issuer", "Certificate", "Event", "Status after"]
    wide = inbox.evaluate(WIDER_THAN_THE_SCREEN)
    assert wide == [], f"the inbox has content past a narrow screen's edge: {wide}"
    partner.shot("narrow-inbox-live")
    assert partner.problems == []
