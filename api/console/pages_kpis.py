"""The KPIs page (workshop Rec. 5 and 6): charts and the same figures as tables."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.auth import require_visible
from api.console import charts
from api.console.pages_certificates import subject_of
from api.console.web import ConsoleRoute, View, view_of
from ledger_client.errors import LedgerValueError, NotFoundError

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
ViewDep = Annotated[View, Depends(view_of)]
#: Each chart and its title (the message the chart itself uses).
CHARTS = {
    "status": "Certificates by status",
    "status-months": "Certificates by status over time",
    "programme": "Certificates by programme",
    "programme-months": "Certificates in force by programme over time",
    "events-months": "Certificate events by month",
    "sme": "SME share",
    "sme-programmes": "SME share per programme (%)",
    "latency": "Acknowledgement latency by partner (hours)",
    "latency-months": "Acknowledgement latency per partner by month (hours)",
    "mras": "Recognitions per MRA",
}
_FROM_KPIS = {
    "status": charts.by_status,
    "status-months": charts.status_over_time,
    "programme": charts.by_programme,
    "programme-months": charts.programmes_over_time,
    "events-months": charts.events_over_time,
    "sme": charts.sme_share,
    "sme-programmes": charts.sme_share_by_programme,
    "latency": charts.latency,
}


def _code(view: View, administration: str | None) -> str:
    code = subject_of(view, administration)
    if code is None:
        raise LedgerValueError("no administration is registered yet")
    require_visible(view.signed_in(), code)
    return code


@router.get("/kpis")
async def kpis_page(view: ViewDep, administration: Annotated[str | None, Query(max_length=2)] = None) -> Response:
    """The charts of one administration, and their figures as tables."""
    code = _code(view, administration)
    index = view.runtime.index
    figures = view.figures(code)
    return view.render(
        "kpis.html",
        code=code,
        kpis=figures.kpis,
        coverage=figures.coverage,
        latency_by_month=figures.latency_by_month,
        charts=[(name, view.gettext(title)) for name, title in CHARTS.items()],
        administrations=[a.code for a in index.administrations()] if view.signed_in().sees_everything else [],
    )


@router.get("/kpis/charts/{name}.svg")
async def chart(
    name: str, view: ViewDep, administration: Annotated[str | None, Query(max_length=2)] = None
) -> Response:
    """One chart as an SVG document."""
    code = _code(view, administration)
    if name not in CHARTS:
        raise NotFoundError(f"no chart {name!r}; charts: {', '.join(CHARTS)}")
    figures = view.figures(code)
    if name == "mras":
        svg = await run_in_threadpool(charts.coverage, figures.coverage, view.label)
    elif name == "latency-months":
        svg = await run_in_threadpool(charts.latency_by_month, figures.latency_by_month, view.label)
    else:
        svg = await run_in_threadpool(_FROM_KPIS[name], figures.kpis, view.label)
    return Response(svg, media_type="image/svg+xml", headers={"Content-Security-Policy": charts.SVG_POLICY})
