"""AEO credentials in the console: an officer hands one out (file, QR code, printable certificate);
anyone, signed in or not, verifies one on "Verify an AEO credential" (paste, upload, QR image or camera).

Issuance and verification call the API's route functions (same permission checks, same errors,
the same per-client rate limit on verification); every page of a credential issues it anew
(fresh salts, same certificate and event), so nothing about it is kept on the gateway.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.console.qr import qr_png, qr_svg
from api.console.web import ConsoleRoute, View, view_of
from api.ratelimit import credential_verify_limit
from api.routes import credentials as routes
from api.routes.params import parse_certificate_id
from api.schemas.credentials import MEDIA_TYPE, CredentialVerificationOut
from ledger_client.credentials import Disclosable, IssuedCredential, present
from ledger_client.credentials.vocabulary import MAX_CREDENTIAL_LENGTH
from ledger_client.errors import LedgerValueError
from ledger_client.vocabulary import iso_instant

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
ViewDep = Annotated[View, Depends(view_of)]
DiscloseQuery = Annotated[list[str] | None, Query(max_length=3)]
ChosenQuery = Annotated[str | None, Query(max_length=1)]


def chosen_disclosures(disclose: list[str] | None, chosen: str | None) -> list[Disclosable]:
    """The claims to disclose: every one by default, else those ticked (``chosen=1`` marks a choice)."""
    if not chosen:
        return list(Disclosable)
    try:
        return [Disclosable(d) for d in dict.fromkeys(disclose or [])]
    except ValueError:
        known = ", ".join(d.value for d in Disclosable)
        raise LedgerValueError(f"unknown disclosure; the disclosable claims are {known}") from None


def qr_markup(text: str, scale: int) -> Markup | None:
    """The QR code's inline SVG; None when the credential is too long for one code (fewer disclosures fit)."""
    try:
        return Markup(qr_svg(text, scale=scale))  # segno draws paths only: nothing of any input becomes markup
    except LedgerValueError:
        return None


def selection_query(selected: list[Disclosable]) -> str:
    """The query string that repeats a choice of disclosures."""
    return "chosen=1" + "".join(f"&disclose={d.value}" for d in selected)


async def issued(view: View, certificate_id: str, selected: list[Disclosable]) -> tuple[IssuedCredential, str]:
    """A fresh credential of the certificate (a writer of its issuer) and its presentation with ``selected``."""
    principal = view.signed_in()
    cid = parse_certificate_id(certificate_id)
    credential = await run_in_threadpool(routes.issue, view.runtime, principal, cid)
    return credential, present(credential.text, selected)


def file_stem(view: View, credential: IssuedCredential) -> str:
    """``CR-OEA-000123-credential``: the certificate number, safe as a file name."""
    row = view.runtime.index.certificate(credential.certificate_id)
    number = row.number if row is not None else credential.certificate_id.hex()[:16]
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in number) + "-credential"


@router.get("/certificates/{certificate_id}/credential")
async def credential_page(
    certificate_id: str, view: ViewDep, disclose: DiscloseQuery = None, chosen: ChosenQuery = None
) -> Response:
    """The credential with the disclosures the operator chose, its QR code, file and print links."""
    selected = chosen_disclosures(disclose, chosen)
    credential, text = await issued(view, certificate_id, selected)
    row = view.runtime.index.certificate(credential.certificate_id)
    return view.render(
        "credential.html",
        certificate=row,
        certificate_id=certificate_id,
        credential=credential,
        text=text,
        qr=qr_markup(text, 3),
        disclosables=list(Disclosable),
        selected=selected,
        selection=selection_query(selected),
        issued_at=iso_instant(credential.issued_at),
    )


@router.get("/certificates/{certificate_id}/credential/file")
async def credential_file(
    certificate_id: str, view: ViewDep, disclose: DiscloseQuery = None, chosen: ChosenQuery = None
) -> Response:
    """The credential as a file (``application/vc+sd-jwt``)."""
    credential, text = await issued(view, certificate_id, chosen_disclosures(disclose, chosen))
    name = file_stem(view, credential) + ".sd-jwt"
    response = Response(text, media_type=MEDIA_TYPE, headers={"Content-Disposition": f'attachment; filename="{name}"'})
    view.finish(response)
    return response


@router.get("/certificates/{certificate_id}/credential/qr.png")
async def credential_qr(
    certificate_id: str, view: ViewDep, disclose: DiscloseQuery = None, chosen: ChosenQuery = None
) -> Response:
    """The credential's QR code as a PNG image to download."""
    credential, text = await issued(view, certificate_id, chosen_disclosures(disclose, chosen))
    name = file_stem(view, credential) + ".png"
    png = await run_in_threadpool(qr_png, text)
    response = Response(png, media_type="image/png", headers={"Content-Disposition": f'attachment; filename="{name}"'})
    view.finish(response)
    return response


@router.get("/certificates/{certificate_id}/credential/print")
async def credential_print(
    certificate_id: str, view: ViewDep, disclose: DiscloseQuery = None, chosen: ChosenQuery = None
) -> Response:
    """A printable AEO certificate carrying the credential's QR code."""
    selected = chosen_disclosures(disclose, chosen)
    credential, text = await issued(view, certificate_id, selected)
    row = view.runtime.index.certificate(credential.certificate_id)
    administration = view.runtime.index.administration(credential.certificate_id[:2].decode("latin-1"))
    found = await run_in_threadpool(routes.verify, view.runtime, text)
    return view.render(
        "credential_print.html",
        certificate=row,
        certificate_id=certificate_id,
        administration=administration,
        credential=credential,
        shown=CredentialVerificationOut.of(found),
        qr=qr_markup(text, 2),
        issued_at=iso_instant(credential.issued_at),
    )


def _qr_decoder(view: View) -> bool:
    """Whether the pinned jsQR is installed (``console_node_modules``): without it, no QR reading."""
    return bool(view.request.app.state.console_qr_decoder)


@router.get("/credentials/verify")
async def verify_form(view: ViewDep) -> Response:
    """The public form: paste, upload, or scan a credential's QR code."""
    return view.render(
        "credential_verify.html", result=None, text="", limit=MAX_CREDENTIAL_LENGTH, qr_decoder=_qr_decoder(view)
    )


@router.post("/credentials/verify")
async def verify_credential(request: Request, view: ViewDep) -> Response:
    """Verify the pasted or uploaded credential against the chain (no sign-in; rate-limited per client)."""
    form = await view.form()
    credential_verify_limit(request)
    text = form.get("credential")
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        content = await upload.read(MAX_CREDENTIAL_LENGTH + 1)
        if len(content) > MAX_CREDENTIAL_LENGTH:
            raise LedgerValueError(f"a credential has at most {MAX_CREDENTIAL_LENGTH} characters")
        try:
            text = content.decode("ascii")
        except UnicodeDecodeError:
            raise LedgerValueError("the uploaded file is not a credential (SD-JWT text)") from None
    if not isinstance(text, str) or not text.strip():
        raise LedgerValueError("paste a credential, upload its file, or scan its QR code")
    found = await run_in_threadpool(routes.verify, view.runtime, text[: MAX_CREDENTIAL_LENGTH + 1])
    return view.render(
        "credential_verify.html",
        result=CredentialVerificationOut.of(found),
        text=text.strip(),
        limit=MAX_CREDENTIAL_LENGTH,
        qr_decoder=_qr_decoder(view),
    )
