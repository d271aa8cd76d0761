"""KPI charts drawn server-side as SVG by pygal, from the index's KPI functions.

Each chart is its own SVG document, shown with ``<img>`` (an image runs no script) and served
with a policy that allows the chart's own styles only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pygal
from pygal.style import Style

from ledger_client.index import AdministrationKpis
from ledger_client.index.coverage import MraCoverage
from ledger_client.index.latency import PartnerMonthLatency

SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
STYLE = Style(
    background="transparent",
    plot_background="#ffffff",
    foreground="#1f2933",
    foreground_strong="#102a43",
    foreground_subtle="#829ab1",
    font_family="system-ui, sans-serif",
    colors=("#1f6feb", "#d97706", "#059669", "#dc2626", "#7c3aed", "#0891b2", "#65a30d", "#db2777"),
    title_font_size=18,
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=13,
    value_font_size=12,
    no_data_font_size=20,
)
Translate = Callable[[str], str]


def _chart(kind: type[pygal.graph.graph.Graph], title: str, _: Translate, **options: object) -> pygal.graph.graph.Graph:
    """A chart with the console's style; ``options`` override the defaults."""
    settings: dict[str, object] = {
        "no_data_text": _("No data yet"),
        "js": [],
        "style": STYLE,
        "title": title,
        "width": 720,
        "height": 360,
        "explicit_size": False,
        "disable_xml_declaration": False,
        "print_values": True,
        "legend_at_bottom": True,
    }
    settings.update(options)
    return kind(**settings)


def _render(chart: pygal.graph.graph.Graph) -> bytes:
    rendered: bytes = chart.render()
    return rendered


def by_status(kpis: AdministrationKpis, _: Translate) -> bytes:
    """Certificates by status (now)."""
    chart = _chart(pygal.Bar, _("Certificates by status"), _, show_legend=False)
    chart.x_labels = [_(name) for name in kpis.by_status]
    chart.add(_("Certificates"), list(kpis.by_status.values()))
    return _render(chart)


def by_programme(kpis: AdministrationKpis, _: Translate) -> bytes:
    """Certificates by programme, and how many of them are SMEs' (a certificate counts under each of its programmes)."""
    chart = _chart(pygal.HorizontalBar, _("Certificates by programme"), _)
    for name, count in kpis.by_programme.items():
        chart.add(_(name), count)
    return _render(chart)


def sme_share(kpis: AdministrationKpis, _: Translate) -> bytes:
    """SME and other operators."""
    chart = _chart(pygal.Pie, _("SME share"), _, inner_radius=0.45)
    chart.add(_("SME"), kpis.sme)
    chart.add(_("Other operators"), kpis.non_sme)
    return _render(chart)


def latency(kpis: AdministrationKpis, _: Translate) -> bytes:
    """Partners' acknowledgement latency (median and p90, hours)."""
    chart = _chart(pygal.Bar, _("Acknowledgement latency by partner (hours)"), _)
    chart.x_labels = [s.partner for s in kpis.acknowledgement_latency]
    chart.add(_("median"), [round(s.p50 / 3600, 2) for s in kpis.acknowledgement_latency])
    chart.add("p90", [round(s.p90 / 3600, 2) for s in kpis.acknowledgement_latency])
    return _render(chart)


def coverage(rows: Sequence[MraCoverage], _: Translate) -> bytes:
    """Recognitions per MRA now (certificates times partners)."""
    chart = _chart(pygal.Bar, _("Recognitions per MRA"), _, show_legend=False)
    chart.x_labels = [f"MRA {r.mra_id} ({', '.join(r.partners)})" for r in rows]
    chart.add(_("Recognitions"), [r.recognitions for r in rows])
    return _render(chart)


def _series(title: str, _: Translate, months: Sequence[str], lines: Mapping[str, Sequence[float | None]]) -> bytes:
    chart = _chart(pygal.Line, title, _, x_label_rotation=30, print_values=False, show_minor_x_labels=True)
    chart.x_labels = list(months)
    for name, values in lines.items():
        chart.add(name, list(values))
    return _render(chart)


def status_over_time(kpis: AdministrationKpis, _: Translate, months: int = 24) -> bytes:
    """Certificates by status at the end of each month (the last ``months``)."""
    recent = kpis.monthly[-months:]
    names = [name for name in kpis.by_status if any(m.by_status.get(name) for m in recent)] or list(kpis.by_status)
    lines = {_(name): [m.by_status.get(name, 0) for m in recent] for name in names}
    return _series(_("Certificates by status over time"), _, [m.month for m in recent], lines)


def programmes_over_time(kpis: AdministrationKpis, _: Translate, months: int = 24) -> bytes:
    """Certificates in force (Active and within validity) under each programme at the end of each
    month (the last ``months``; a certificate counts under each of its programmes)."""
    recent = kpis.monthly[-months:]
    names = list(kpis.by_programme)
    shown = [name for name in names if any(m.by_programme.get(name, {}).get("ACTIVE") for m in recent)] or names
    lines = {_(name): [m.by_programme.get(name, {}).get("ACTIVE", 0) for m in recent] for name in shown}
    return _series(_("Certificates in force by programme over time"), _, [m.month for m in recent], lines)


def events_over_time(kpis: AdministrationKpis, _: Translate, months: int = 24) -> bytes:
    """Certificate events recorded each month, by action (the last ``months``)."""
    recent = kpis.monthly[-months:]
    chart = _chart(pygal.StackedBar, _("Certificate events by month"), _, x_label_rotation=30, print_values=False)
    chart.x_labels = [m.month for m in recent]
    actions = [a for a in (recent[-1].events if recent else {}) if any(m.events.get(a) for m in recent)]
    for action in actions:
        chart.add(_(action), [m.events.get(action, 0) for m in recent])
    return _render(chart)


def sme_share_by_programme(kpis: AdministrationKpis, _: Translate) -> bytes:
    """The share of SMEs among each programme's certificates (%)."""
    chart = _chart(pygal.Bar, _("SME share per programme (%)"), _, show_legend=False, range=(0, 100))
    chart.x_labels = [_(p.programme) for p in kpis.programmes]
    chart.add(_("SME share"), [round(100 * p.sme_share, 1) for p in kpis.programmes])
    return _render(chart)


def latency_by_month(rows: Sequence[PartnerMonthLatency], _: Translate) -> bytes:
    """Each partner's median and p90 acknowledgement latency per month (hours)."""
    months = sorted({r.month for r in rows})
    by_key = {(r.partner, r.month): r.latency for r in rows}
    lines: dict[str, list[float | None]] = {}
    for partner in sorted({r.partner for r in rows}):
        for label, pick in ((_("median"), "p50"), ("p90", "p90")):
            values = [by_key.get((partner, m)) for m in months]
            lines[f"{partner} {label}"] = [None if v is None else round(getattr(v, pick) / 3600, 2) for v in values]
    return _series(_("Acknowledgement latency per partner by month (hours)"), _, months, lines)
