"""The console's pages through their forms: officer, partner, auditor, import, KPIs, languages."""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Callable
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from api.console.i18n import LOCALE_DIR, negotiate
from tests.console.conftest import Env, Officer, document_form, unique_number

CONSOLE = Path(__file__).parents[2] / "api" / "console"


def issue(writer: Officer, **overrides: str) -> tuple[str, str]:
    """Issue through the form; returns (number, certificate page path)."""
    number = unique_number("CON")
    response = writer.post("/certificates/new", document_form(number, **overrides))
    assert response.status_code == 303, response.text
    return number, response.headers["location"]


def test_every_console_string_is_in_both_catalogues_and_translated_to_spanish() -> None:
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    extracted = {
        m[2] for m in extract_from_dir(str(CONSOLE), method_map, keywords={"_": None, "N_": None, "gettext": None})
    }
    assert len(extracted) > 200
    for language in ("es", "en"):
        with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
            catalog = read_po(source)
        ids = {m.id for m in catalog if m.id}
        assert extracted - ids == set(), language
        if language == "es":
            untranslated = [m.id for m in catalog if m.id and not m.string]
            assert untranslated == []


def test_language_from_accept_language_from_the_switch_and_dates_in_the_locale(
    env: Env, officer: Callable[..., Officer]
) -> None:
    assert negotiate(None, "en-GB,en;q=0.9") == "en"
    assert negotiate(None, "fr-FR, es-MX;q=0.8") == "es"
    assert negotiate(None, None) == "es"
    assert negotiate("en", "es") == "en"
    writer = officer("cr_writer", language="en")
    _, location = issue(writer)
    english = writer.get(location).text
    assert '<html lang="en">' in english
    assert "Recognition by partners now" in english
    assert re.search(r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}, \d{4}", english)
    switched = writer.get(f"/language/es?next={location}")
    assert switched.status_code == 303
    assert switched.headers["location"] == location
    spanish = writer.get(location).text
    assert '<html lang="es">' in spanish
    assert "Reconocimiento actual por los socios" in spanish
    assert "Vigente" in spanish
    assert re.search(r"\d{1,2} (ene|feb|mar|abr|may|jun|jul|ago|sept|oct|nov|dic)\.? \d{4}", spanish)
    assert writer.get("/language/es?next=https://elsewhere.example").headers["location"] == "/"


def test_an_officer_issues_suspends_reinstates_amends_renews_and_revokes(
    env: Env, officer: Callable[..., Officer]
) -> None:
    writer = officer("cr_writer")
    number, location = issue(writer)
    page = writer.get(location).text
    assert number in page
    assert "PE recognises it" in page
    assert "Exportadora del Valle S.A." in page
    assert writer.post(f"{location}/suspend", {"reason": "NON_COMPLIANCE"}).status_code == 303
    page = writer.get(location).text
    assert "Recorded on the ledger: SUSPENDED, event 2." in page
    assert "Criteria no longer met" in page
    assert "PE does not recognise it" in page
    assert writer.post(f"{location}/reinstate", {"reason": "CORRECTIVE_ACTION_COMPLETED"}).status_code == 303
    change = writer.get(f"{location}/change").text
    assert 'value="Exportadora del Valle S.A."' in change
    assert officer("pe_writer").get(f"{location}/change").status_code == 403
    amended = writer.post(f"{location}/amend", document_form(number, city="Heredia", reason="CHANGE_OF_DATA"))
    assert amended.status_code == 303, amended.text
    renewed = writer.post(f"{location}/renew", document_form(number, city="Heredia", valid_until="2030-12-31"))
    assert renewed.status_code == 303, renewed.text
    assert writer.post(f"{location}/revoke", {"reason": "FRAUD"}).status_code == 303
    page = writer.get(location).text
    assert page.count('class="timeline"') == 1
    for action in ("Issued", "Suspended", "Reinstated", "Amended", "Renewed", "Revoked"):
        assert f"<strong>{action}</strong>" in page
    assert "/suspend" not in page
    again = writer.post(f"{location}/suspend", {"reason": "NON_COMPLIANCE"})
    assert again.status_code == 409
    cid = location.rsplit("/", 1)[1]
    stored = json.loads((env.runtime.settings.state_directory() / "documents" / f"{cid[2:]}.json").read_text())
    assert stored["operator"]["address"]["city"] == "Heredia"


def test_the_register_filters_and_finds_a_national_number(officer: Callable[..., Officer]) -> None:
    writer = officer("cr_writer")
    number, location = issue(writer, programmes="FISCAL")
    found = writer.get(f"/certificates?issuer=CR&number={number}").text
    assert f'href="{location}"' in found
    fiscal = writer.get("/certificates?issuer=CR&programme=FISCAL&status=ACTIVE").text
    assert number in fiscal
    assert number not in writer.get("/certificates?issuer=CR&status=REVOKED").text
    assert writer.get("/certificates?status=BOGUS").status_code == 422


def test_the_auditor_verifies_a_history_exports_it_and_catches_an_altered_document(
    env: Env, officer: Callable[..., Officer]
) -> None:
    writer = officer("cr_writer")
    number, location = issue(writer)
    cid = location.rsplit("/", 1)[1]
    auditor = officer("auditor")
    audit = auditor.get(f"/audit/certificates/{cid}?at=2099-01-01")
    assert audit.status_code == 200, audit.text
    assert "✓ VERIFIED" in audit.text
    assert "after event #1" in audit.text
    assert "<td>✓</td>" in audit.text  # each verified event is marked in the history table
    assert "<td>✗</td>" not in audit.text
    csv_export = auditor.get(f"/audit/certificates/{cid}/history.csv")
    assert csv_export.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv_export.headers["content-disposition"]
    assert csv_export.text.splitlines()[1].startswith("1,ISSUED,ACTIVE,0x")
    assert json.loads(auditor.get(f"/audit/certificates/{cid}/history.json").text)["ok"] is True
    genuine = (env.runtime.settings.state_directory() / "documents" / f"{cid[2:]}.json").read_bytes()
    ok = auditor.post("/verify", files={"document": ("genuine.json", io.BytesIO(genuine), "application/json")})
    assert "✓ GENUINE" in ok.text
    altered = genuine.replace(b"Exportadora del Valle", b"Exportadora del Monte")
    bad = auditor.post("/verify", files={"document": ("altered.json", io.BytesIO(altered), "application/json")})
    assert bad.status_code == 200
    assert "✗ ALTERED OR UNKNOWN" in bad.text
    assert (
        "<code>operator.legal_name</code></th><td>Exportadora del Valle S.A.</td><td>Exportadora del Monte S.A.</td>"
        in bad.text
    )
    assert "✓ VERIFIED" in auditor.get(f"/audit/mras/{env.mra_id}").text
    assert auditor.get(f"/audit?issuer=CR&number={number}").headers["location"] == f"/audit/certificates/{cid}"
    assert officer("pe_reader").get(f"/audit/certificates/{cid}").status_code == 403


def test_the_partner_inbox_lists_and_acknowledges_many(env: Env, officer: Callable[..., Officer]) -> None:
    writer = officer("cr_writer")
    _, location = issue(writer)
    cid = location.rsplit("/", 1)[1]
    writer.post(f"{location}/suspend", {"reason": "INVESTIGATION"})
    partner = officer("pe_writer")
    inbox = partner.get("/inbox").text
    assert f'value="{cid}:1"' in inbox
    assert f'value="{cid}:2"' in inbox
    assert 'data-stream="/inbox/stream?administration=PE&amp;cursor=' in inbox
    done = partner.post("/inbox/acknowledge", {"event": [f"{cid}:1", f"{cid}:2"]})
    assert done.status_code == 303
    after = partner.get("/inbox").text
    assert "Acknowledged: 2." in after
    assert cid not in after
    dashboard = writer.get("/").text
    assert dashboard.count("✓ acknowledged") >= 2
    reader = officer("pe_reader")
    assert 'name="event"' not in reader.get("/inbox").text
    assert officer("mx_writer").get("/inbox?administration=PE").status_code == 403


def test_the_inbox_stream_sends_partner_events_as_server_sent_events(env: Env, officer: Callable[..., Officer]) -> None:
    writer = officer("cr_writer")
    _, location = issue(writer)
    cid = location.rsplit("/", 1)[1]
    partner = officer("pe_reader")
    cursor = re.search(r"cursor=([^\"&]+)", partner.get("/inbox").text)
    assert cursor is not None
    writer.post(f"{location}/suspend", {"reason": "INVESTIGATION"})
    with partner.client.stream("GET", f"/inbox/stream?cursor={cursor.group(1)}") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = []
        for line in stream.iter_lines():
            lines.append(line)
            if line.startswith("data:") and cid in line and '"sequence":2' in line:
                break
            assert len(lines) < 200
    assert "event: certificate-event" in lines


def test_recognition_by_issuer_and_number_now_and_at_a_date(officer: Callable[..., Officer]) -> None:
    writer = officer("cr_writer")
    number, _ = issue(writer)
    partner = officer("pe_reader")
    now = partner.get(f"/recognition?issuer=CR&number={number}").text
    assert "✓ Recognised by PE" in now
    assert "Granted by" in now
    before = partner.get(f"/recognition?issuer=CR&number={number}&at=2000-01-01").text
    assert "✗ Not recognised by PE" in before
    stranger = officer("mx_writer").get(f"/recognition?issuer=CR&number={number}").text
    assert "✗ Not recognised by MX" in stranger


def test_mras_are_proposed_and_accepted_and_signers_managed(env: Env, officer: Callable[..., Officer]) -> None:
    mexico = officer("mx_writer")
    proposed = mexico.post(
        "/mras",
        {"parties": ["CL"], "programmes": ["SECURITY"], "roles": ["IMPORTER"], "agreement_text": "MX-CL text"},
    )
    assert proposed.status_code == 303, proposed.text
    page = mexico.get(proposed.headers["location"]).text
    assert "Proposed" in page
    assert "(1/2)" in page
    chile = officer("cl_writer")
    assert "/accept" in chile.get(proposed.headers["location"]).text
    assert officer("pe_writer").post(f"{proposed.headers['location']}/accept").status_code == 403
    assert chile.post(f"{proposed.headers['location']}/accept").status_code == 303
    page = chile.get(proposed.headers["location"]).text
    assert "in force" in page
    assert "(2/2)" in page
    signers = mexico.get("/administration").text
    assert env.runtime.index.administration("MX").signers[0] in signers  # type: ignore[union-attr]
    refused = officer("cr_reader").post("/administration/signers/add", {"address": "0x" + "12" * 20})
    assert refused.status_code == 403


def test_an_import_shows_progress_and_the_rejected_lines(env: Env, officer: Callable[..., Officer]) -> None:
    writer = officer("cr_writer")
    good = unique_number("IMP")
    csv = (
        "certificate_number,operator_name,tax_id,address,city,roles,programmes,sme,valid_from,valid_until,issuing_office\n"
        f"{good},Importadora Uno,3-101-1,Calle 1,San José,importer,security,true,2024-03-01,,Aduana Central\n"
        f"{unique_number('IMP')},Importadora Dos,3-101-2,Calle 2,San José,pilot,security,true,2024-03-01,,"
        "Aduana Central\n"
    )
    started = writer.post("/import", files={"file": ("registry.csv", io.BytesIO(csv.encode()), "text/csv")})
    assert started.status_code == 303, started.text
    job = started.headers["location"]
    assert 'id="import-progress"' in writer.get(job).text
    deadline = time.monotonic() + 60
    state = writer.get(f"{job}/progress").json()
    while not state["finished"] and time.monotonic() < deadline:
        time.sleep(0.1)
        state = writer.get(f"{job}/progress").json()
    assert state["finished"], state
    assert (state["total"], state["landed"], state["errors"]) == (2, 1, 1)
    page = writer.get(job).text
    assert 'id="rejected"' in page
    assert "<td>3</td>" in page
    assert "pilot" in page
    assert good in writer.get(f"/certificates?issuer=CR&number={good}").text
    assert officer("pe_writer").get(job).status_code == 404
    assert officer("cr_reader").get("/import").status_code == 403


def test_kpis_page_and_its_svg_charts(officer: Callable[..., Officer]) -> None:
    writer = officer("cr_writer")
    issue(writer)
    page = writer.get("/kpis").text
    assert page.count('<img src="/kpis/charts/') == 10
    assert "Certificates by status over time" in page
    assert "Certificates in force by programme over time" in page
    for name in (
        "status",
        "status-months",
        "programme",
        "programme-months",
        "events-months",
        "sme",
        "sme-programmes",
        "latency",
        "latency-months",
        "mras",
    ):
        chart = writer.get(f"/kpis/charts/{name}.svg")
        assert chart.status_code == 200
        assert chart.headers["content-type"] == "image/svg+xml"
        assert "script-src" not in chart.headers["content-security-policy"]
        assert chart.text.lstrip().startswith("<?xml")
    assert "Certificates by status" in writer.get("/kpis/charts/status.svg").text
    assert writer.get("/kpis/charts/other.svg").status_code == 404
    # Per programme, its certificates in force at each month's end: the index's figures, drawn and tabled.
    kpis = writer.env.runtime.index.kpis("CR", months=24)
    in_force = {p: kpis.monthly[-1].by_programme[p]["ACTIVE"] for p in kpis.by_programme}
    assert in_force["SECURITY"] >= 1
    programmes = writer.get("/kpis/charts/programme-months.svg").text
    assert "Certificates in force by programme over time" in programmes
    assert kpis.monthly[-1].month in programmes
    assert f'<desc class="value">{in_force["SECURITY"]}</desc>' in programmes
    assert "Security (AEO-S)</text>" in programmes  # a line per programme with certificates in force
    assert "Sanitary" not in programmes or in_force["SANITARY"]
    table = page.split('id="t-programme-months"')[1].split("</section>")[0]
    assert f'<th scope="row">{kpis.monthly[-1].month}</th>' in table
    spanish = writer.get("/kpis/charts/programme-months.svg", headers={"Accept-Language": "es"}).text
    assert "Certificados vigentes por programa a lo largo del tiempo" in spanish
    assert officer("pe_reader").get("/kpis?administration=CR").text.count("· PE") == 1


def _withheld_on_page(page: str) -> tuple[int, dict[str, int]]:
    """The KPIs page's consent-withheld count, and per programme the last column of its table."""
    found = re.search(r'id="consent-withheld">[^<]*<strong>([^<]+)</strong>', page)
    assert found, page
    table = page.split('id="t-sme"')[1].split("</section>", maxsplit=1)[0]
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th>(?:<td>[^<]*</td>)*?<td>([^<]+)</td></tr>', table)
    return int(re.sub(r"\D", "", found.group(1))), {name: int(re.sub(r"\D", "", n)) for name, n in rows}


def test_kpis_page_counts_the_certificates_in_force_whose_consent_is_withheld(officer: Callable[..., Officer]) -> None:
    writer = officer("cr_writer", language="en")
    total, programmes = _withheld_on_page(writer.get("/kpis").text)
    issue(writer, consent_withheld="on")
    locations = [issue(writer) for _ in range(3)]
    for number, location in locations:
        withheld = document_form(number, reason="CHANGE_OF_DATA") | {"consent_withheld": "on"}
        assert writer.post(f"{location}/amend", withheld).status_code == 303
    (given_number, given), (_, suspended), _ = locations
    assert writer.post(f"{given}/amend", document_form(given_number, reason="CHANGE_OF_DATA")).status_code == 303
    assert writer.post(f"{suspended}/suspend", {"reason": "NON_COMPLIANCE"}).status_code == 303
    page = writer.get("/kpis").text
    assert "Certificates in force whose operator withholds consent (no MRA partner recognises them)" in page
    assert '<th scope="col">Consent withheld</th>' in page
    now_total, now_programmes = _withheld_on_page(page)
    assert now_total == total + 2  # withheld at issue, and the third amended one
    assert now_programmes["Security (AEO-S)"] == programmes["Security (AEO-S)"] + 2
    kpis = writer.env.runtime.index.kpis("CR", months=0)
    assert now_total == kpis.consent_withheld
    spanish = officer("cr_reader", language="es").get("/kpis").text
    assert "Certificados vigentes cuyo operador no otorga su consentimiento" in spanish
    assert "Consentimiento retirado" in spanish


def test_an_mra_is_suspended_resumed_and_terminated_by_a_party(officer: Callable[..., Officer]) -> None:
    mexico = officer("mx_writer")
    proposed = mexico.post(
        "/mras", {"parties": ["CL"], "programmes": ["FISCAL"], "roles": ["CARRIER"], "agreement_text": "MX-CL 2"}
    )
    location = proposed.headers["location"]
    assert officer("cl_writer").post(f"{location}/accept").status_code == 303
    assert officer("pe_writer").post(f"{location}/suspend", {"reason": "INVESTIGATION"}).status_code == 403
    assert mexico.post(f"{location}/suspend", {"reason": "INVESTIGATION"}).status_code == 303
    assert "/resume" in mexico.get(location).text
    assert mexico.post(f"{location}/resume").status_code == 303
    assert mexico.post(f"{location}/terminate", {"reason": "OTHER"}).status_code == 303
    page = mexico.get(location).text
    for action in ("Proposed", "Accepted", "Suspended", "Resumed", "Terminated"):
        assert f"<strong>{action}</strong>" in page
    assert "/terminate" not in page
    assert mexico.post(f"{location}/resume").status_code == 409


def test_an_audit_that_finds_a_bad_event_names_it() -> None:
    from api.console.web import ConsoleState
    from api.schemas.verification import AuditOut, FindingOut

    state = ConsoleState.create(idle_seconds=60, max_seconds=60, secure_cookie=False)
    audit = AuditOut(
        subject="certificate",
        key="0x" + "43" * 32,
        ok=False,
        block_number=9,
        onchain_event_count=3,
        onchain_head="0x" + "aa" * 16,
        recomputed_head="0x" + "bb" * 16,
        events_read=2,
        findings=[FindingOut(kind="missing", sequence=2, detail="event 2 is missing", block_number=None, tx_hash=None)],
    )
    macros = state.templates.get_template("_audit.html").make_module({"_": str, "label": str})
    html = str(macros.verdict(audit))
    assert "✗ NOT VERIFIED" in html
    assert "<strong>missing</strong> · event #2: event 2 is missing" in html


def test_consent_on_the_certificate_page_and_the_forms(officer: Callable[..., Officer]) -> None:
    writer = officer("cr_writer")
    number, location = issue(writer)
    page = writer.get(location).text
    assert "Consent to exchange with MRA partners" in page
    assert "PE recognises it" in page
    withheld = document_form(number, reason="CHANGE_OF_DATA") | {"consent_withheld": "on"}
    assert writer.post(f"{location}/amend", withheld).status_code == 303
    page = writer.get(location).text
    assert "withheld: no partner recognises it" in page
    assert "PE does not recognise it" in page
    change = writer.get(f"{location}/change").text
    assert 'name="consent_withheld" checked' in change
    assert writer.post(f"{location}/amend", document_form(number, reason="CHANGE_OF_DATA")).status_code == 303
    assert "PE recognises it" in writer.get(location).text
