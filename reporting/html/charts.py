"""The report's charts: Vega-Lite specs built with altair, rendered in-process to static SVG by vl-convert.

No script and no network: vl-convert carries Vega and renders offline, so the page shows its charts as they are.
altair and vl-convert are imported on the first chart (the report is the only reader of either), and the
converter stays loaded for the next one. The same data give the same spec and the same SVG bytes. The sections
hand over rows already written in the page's language; every label comes from the catalogue through `t`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from reporting.html.blocks import Chart

FONT = '-apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif'
BLUE, GREY, ORANGE, INK, MUTED, RULE = "#1d64c8", "#9fb3c8", "#d9480f", "#1f2933", "#52606d", "#e4e7eb"
WIDTH = 460  # drawing width in px; the page scales each SVG down to the column it sits in
ROW = 20  # px per bar of a horizontal bar chart
AMOUNT_AXIS = "~s"  # 1.2M, 350k: short enough for a phone
Labels = Callable[..., str]


def _altair() -> Any:
    import altair

    return altair


class Datasets(dict):
    """The rows of a spec, by name: altair sees only the names (it would copy the rows at every step),
    the spec gets the rows at the end (Vega-Lite's top-level `datasets`)."""

    def __call__(self, rows: Sequence[dict]) -> Any:
        name = f"data{len(self)}"
        self[name] = list(rows)
        return _altair().NamedData(name)


# The page's look, put in every spec as it is (altair's configure_* would copy the whole chart at each call).
CONFIG = {
    "font": FONT,
    "background": "white",
    "padding": 6,
    "view": {"stroke": None},
    "axis": {"labelColor": MUTED, "titleColor": MUTED, "gridColor": RULE, "domainColor": RULE, "labelFontSize": 11,
             "titleFontSize": 11, "labelLimit": 160},
    "title": {"anchor": "start", "color": INK, "fontSize": 13, "subtitleColor": MUTED, "subtitleFontSize": 11},
    "legend": {"orient": "bottom", "title": None, "labelColor": MUTED, "labelFontSize": 11},
}  # fmt: skip


def _spec(chart: Any, data: Datasets) -> dict:
    """The Vega-Lite spec: the chart, the page's look and the rows."""
    spec = chart.to_dict(validate=False)  # the specs are fixed: checked by the tests that render them
    spec["config"] = CONFIG
    spec["datasets"] = dict(data)
    return spec


def render(name: str, title: str, chart: Any, data: Datasets) -> Chart:
    """The chart as an inline SVG block. The SVG holds shapes and escaped text only (checked here)."""
    import vl_convert

    svg = vl_convert.vegalite_to_svg(_spec(chart, data))
    lowered = svg.lower()
    if "<script" in lowered or "<foreignobject" in lowered or "href=" in lowered:
        raise ValueError(f"chart {name}: the rendered SVG holds a script, a foreign object or a link")
    return Chart(name, title, svg)


def trend(points: Sequence[dict], t: Labels) -> Chart:
    """Win rate and average sales cycle per month: points {month, win_rate, cycle} (None for a missing month)."""
    alt, data = _altair(), Datasets()
    rows = data(points)
    x = alt.X("month:O", title=None, axis=alt.Axis(labelAngle=-45))
    win = alt.Chart(rows, title=t("chart.win_rate")).mark_line(point=True, color=BLUE)
    win = win.encode(x=x, y=alt.Y("win_rate:Q", title=None, axis=alt.Axis(format="%")))
    cycle = alt.Chart(rows, title=t("chart.cycle")).mark_line(point=True, color=ORANGE)
    cycle = cycle.encode(x=x, y=alt.Y("cycle:Q", title=None))
    both = alt.vconcat(win.properties(width=WIDTH, height=130), cycle.properties(width=WIDTH, height=130))
    return render("trend", t("headline.trend", months=len(points)), both, data)


def _by_name(rows: Sequence[dict]) -> Any:
    """The y channel of a horizontal bar chart: one band per `name`, in the rows' order."""
    return _altair().Y("name:N", sort=[r["name"] for r in rows], title=None)


def _bars(source: Any, rows: Sequence[dict], field: str, label: str, title: Any, colour: Any) -> Any:
    """Horizontal bars of `field` by `rows[i]["name"]` (the rows of `source`), each with its `label` text."""
    alt = _altair()
    base = alt.Chart(source, title=title)
    y = _by_name(rows)
    bars = base.mark_bar(color=BLUE).encode(x=alt.X(f"{field}:Q", title=None), y=y)
    bars = bars.encode(color=colour) if colour is not None else bars
    text = base.mark_text(align="left", dx=3, color=MUTED, fontSize=10).encode(x=f"{field}:Q", y=y, text=f"{label}:N")
    return (bars + text).properties(width=WIDTH, height=alt.Step(ROW))


def funnel(pipelines: Sequence[tuple[str, Sequence[dict]]], t: Labels) -> Chart:
    """Per pipeline, deals reaching each stage and the average days to advance, the bottleneck in orange.
    Rows: {name, reached, reached_label, days, days_label, bottleneck}."""
    alt, data = _altair(), Datasets()
    colour = alt.condition("datum.bottleneck", alt.value(ORANGE), alt.value(BLUE))
    charts = []
    for title, rows in pipelines:
        source, reached = data(rows), alt.Title(title, subtitle=t("chart.reached"))
        charts.append(_bars(source, rows, "reached", "reached_label", reached, colour))
        charts.append(_bars(source, rows, "days", "days_label", alt.Title("", subtitle=t("chart.stage_days")), colour))
    return render("funnel", t("section.funnel"), alt.vconcat(*charts, spacing=14), data)


def leaderboard(rows: Sequence[dict], t: Labels, currency: str) -> Chart:
    """Won amount by rep, best first, each rep's target as an orange mark. Rows: {name, won_amount, label, target}."""
    alt, data = _altair(), Datasets()
    title = alt.Title(t("chart.won_amount", currency=currency), subtitle=t("chart.target_mark"))
    source = data(rows)
    base = _bars(source, rows, "won_amount", "label", title, None)
    target = alt.Chart(source).mark_tick(color=ORANGE, thickness=2)
    target = target.encode(x=alt.X("target:Q", axis=alt.Axis(format=AMOUNT_AXIS)), y=_by_name(rows))
    return render("leaderboard", title.text, alt.layer(base, target).resolve_scale(x="shared"), data)


def forecast(rows: Sequence[dict], t: Labels, currency: str) -> Chart:
    """Per month, the model-weighted and stage-weighted forecast as bars and the company target as a mark.
    Rows: {month, model, stage, target}."""
    alt, data = _altair(), Datasets()
    series = [t("chart.model"), t("chart.stage"), t("chart.target")]
    colour = alt.Color("series:N", scale=alt.Scale(domain=series, range=[BLUE, GREY, ORANGE]), title=None)
    pairs = ((series[0], "model"), (series[1], "stage"))
    bars = [{"month": r["month"], "series": s, "amount": r[k]} for r in rows for s, k in pairs]
    targets = [{"month": r["month"], "series": series[2], "amount": r["target"]} for r in rows if r["target"]]
    x = alt.X("month:O", title=None, axis=alt.Axis(labelAngle=0))
    y = alt.Y("amount:Q", title=t("chart.amount", currency=currency), axis=alt.Axis(format=AMOUNT_AXIS))
    layer = alt.Chart(data(bars)).mark_bar().encode(x=x, xOffset="series:N", y=y, color=colour)
    if targets:
        tick = alt.Chart(data(targets)).mark_tick(thickness=3).encode(x=x, y="amount:Q", color=colour)
        layer = alt.layer(layer, tick)
    return render("forecast", t("section.forecast"), layer.properties(width=WIDTH, height=200), data)


def channels(rows: Sequence[dict], t: Labels, period: str) -> Chart:
    """New customers by lead source over the period. Rows: {name, customers, label}."""
    data = Datasets()
    title = t("chart.new_customers", period=period)
    return render("channels", title, _bars(data(rows), rows, "customers", "label", title, None), data)
