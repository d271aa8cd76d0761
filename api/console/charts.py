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
)
Translate = Callable[[str], str]


def _chart(kind: type[pygal.graph.graph.Graph], title: str, **options: object) -> pygal.graph.graph.Graph:
    return kind(
        js=[],
        style=STYLE,
        title=title,
        width=720,
        height=360,
        explicit_size=False,
        disable_xml_declaration=False,
        print_values=True,
        legend_at_bottom=True,
        **options,
    )


def _render(chart: pygal.graph.graph.Graph) -> bytes:
    rendered: bytes = chart.render()
    return rendered


def by_status(kpis: AdministrationKpis, _: Translate) -> bytes:
    """Certificates by status (now)."""
    chart = _chart(pygal.Bar, _("Certificates by status"), show_legend=False)
    chart.x_labels = [_(name) for name in kpis.by_status]
    chart.add(_("Certificates"), list(kpis.by_status.values()))
    return _render(chart)


def by_programme(kpis: AdministrationKpis, _: Translate) -> bytes:
    """Certificates by programme, and how many of them are SMEs' (a certificate counts under each of its programmes)."""
    chart = _chart(pygal.HorizontalBar, _("Certificates by programme"))
    for name, count in kpis.by_programme.items():
        chart.add(_(name), count)
    return _render(chart)


def sme_share(kpis: AdministrationKpis, _: Translate) -> bytes:
    """SME and other operators."""
    chart = _chart(pygal.Pie, _("SME share"), inner_radius=0.45)
    chart.add(_("SME"), kpis.sme)
    chart.add(_("Other operators"), kpis.non_sme)
    return _render(chart)


def latency(kpis: AdministrationKpis, _: Translate) -> bytes:
    """Partners' acknowledgement latency (median and p90, hours)."""
    chart = _chart(pygal.Bar, _("Acknowledgement latency by partner (hours)"))
    chart.x_labels = [s.partner for s in kpis.acknowledgement_latency]
    chart.add(_("median"), [round(s.p50 / 3600, 2) for s in kpis.acknowledgement_latency])
    chart.add("p90", [round(s.p90 / 3600, 2) for s in kpis.acknowledgement_latency])
    return _render(chart)


def coverage(rows: Sequence[MraCoverage], _: Translate) -> bytes:
    """Recognitions per MRA now (certificates times partners)."""
    chart = _chart(pygal.Bar, _("Recognitions per MRA"), show_legend=False)
    chart.x_labels = [f"MRA {r.mra_id} ({', '.join(r.partners)})" for r in rows]
    chart.add(_("Recognitions"), [r.recognitions for r in rows])
    return _render(chart)


def series(title: str, months: Sequence[str], lines: Mapping[str, Sequence[float]]) -> bytes:
    """A line per series over months."""
    chart = _chart(pygal.Line, title, x_label_rotation=30, print_values=False)
    chart.x_labels = list(months)
    for name, values in lines.items():
        chart.add(name, list(values))
    return _render(chart)
