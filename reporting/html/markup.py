"""The building blocks of the HTML report: escaping, tables, sections and the inline SVG charts, with the page's CSS.

Inline CSS and SVG only: no script, no external URL. Every value from the data goes through `esc`.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from reporting.formatting import fmt

NO_DATA = "暂无数据 No data"
CSS = """
body{font-family:-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:0;color:#1f2933;
background:#f5f7fa}main{max-width:1180px;margin:0 auto;padding:24px}h1{margin:0 0 4px}h2{margin:0 0 12px;font-size:20px}
section{background:#fff;border-radius:8px;padding:18px 22px;margin:18px 0;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.meta,.note{color:#52606d;font-size:13px}nav a{margin-right:14px;font-size:14px}a{color:#1d64c8}
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:12px}.card{border:1px solid #e4e7eb;border-radius:6px;
padding:10px 12px}.card .label{font-size:13px;color:#52606d}.card .value{font-size:24px;font-weight:600;margin:2px 0}
.card .detail{font-size:12px;color:#7b8794}table{border-collapse:collapse;width:100%;font-size:13px;margin:8px 0}
th,td{padding:5px 8px;border-bottom:1px solid #e4e7eb;text-align:right;white-space:nowrap}th{background:#f0f4f8}
.t{text-align:left}th{white-space:normal;vertical-align:bottom}
.wrap{white-space:normal;text-align:left;min-width:240px;max-width:360px}
tr.bottleneck td{background:#fff3e0;font-weight:600}.badge{background:#d9480f;color:#fff;border-radius:3px;
padding:1px 5px;font-size:11px;margin-left:4px}.good{color:#2f9e44}.bad{color:#c92a2a}ul.steps li{margin:3px 0}
.nodata{color:#7b8794;font-style:italic}svg text{font-size:10px;fill:#52606d}
"""


class Html(str):
    """Markup built here; any other value put in the page goes through `html.escape`."""


def esc(value: object) -> Html:
    return value if isinstance(value, Html) else Html(html.escape(str(value)))


def table(headers: Sequence[str], rows: Iterable[Sequence[object]], classes: Sequence[str] = (), text: int = 1) -> Html:
    """A table; the first `text` columns are left-aligned text, the others right-aligned figures."""
    align = [' class="t"' if j < text else "" for j in range(len(headers))]
    head = "".join(f"<th{align[j]}>{esc(h)}</th>" for j, h in enumerate(headers))
    body = []
    for i, row in enumerate(rows):
        cls = f' class="{classes[i]}"' if i < len(classes) and classes[i] else ""
        cells = "".join(f"<td{align[j]}>{esc(c)}</td>" for j, c in enumerate(row))
        body.append(f"<tr{cls}>{cells}</tr>")
    return Html(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")


def section(anchor: str, title: str, parts: Sequence[str] | None) -> Html:
    content = "".join(esc(p) for p in parts) if parts else f'<p class="nodata">{NO_DATA}</p>'
    return Html(f'<section id="{anchor}"><h2>{esc(title)}</h2>{content}</section>')


def bar(fraction: float | None, marker: float | None = None, width: int = 110) -> Html:
    """A horizontal bar for a share in [0, 1] (capped), with an optional pace marker."""
    filled = 0 if fraction is None else round(max(0.0, min(fraction, 1.0)) * width)
    colour = "#2f9e44" if fraction is not None and marker is not None and fraction >= marker else "#1d64c8"
    tick = ""
    if marker is not None:
        x = round(max(0.0, min(marker, 1.0)) * width)
        tick = f'<line x1="{x}" y1="0" x2="{x}" y2="12" stroke="#d9480f" stroke-width="2"/>'
    return Html(
        f'<svg width="{width}" height="12" role="img"><rect width="{width}" height="12" fill="#e4e7eb"/>'
        f'<rect width="{filled}" height="12" fill="{colour}"/>{tick}</svg>'
    )


def spark(values: Sequence[float | None], labels: Sequence[str]) -> Html:
    """Small vertical bars, one per month, the last one highlighted; each bar has its value as a tooltip."""
    top = max((v for v in values if v is not None), default=0) or 1
    bars = []
    for i, (value, label) in enumerate(zip(values, labels, strict=True)):
        h = 0 if value is None else round(max(value, 0) / top * 34)
        fill = "#1d64c8" if i == len(values) - 1 else "#9fb3c8"
        bars.append(
            f'<rect x="{i * 26 + 2}" y="{36 - h}" width="20" height="{h}" fill="{fill}">'
            f"<title>{esc(label)}</title></rect>"
        )
    ends = f'<text x="2" y="48">{esc(labels[0][:7])}</text><text x="{len(values) * 26 - 36}" y="48">'
    ends += f"{esc(labels[-1][:7])}</text>"
    return Html(f'<svg width="{len(values) * 26}" height="50" role="img">{"".join(bars)}{ends}</svg>')


def grouped_bars(groups: Sequence[tuple[str, Sequence[float | None]]], series: Sequence[tuple[str, str]]) -> Html:
    """Vertical grouped bars: one group per label, one bar per series (name, colour), with a legend."""
    top = max((v for _, values in groups for v in values if v is not None), default=0) or 1
    step, bar_width = len(series) * 22 + 30, 20
    shapes = []
    for g, (label, values) in enumerate(groups):
        for s, value in enumerate(values):
            h = 0 if value is None else round(max(value, 0) / top * 120)
            shapes.append(
                f'<rect x="{g * step + s * 22 + 10}" y="{130 - h}" width="{bar_width}" height="{h}" '
                f'fill="{series[s][1]}"><title>{esc(series[s][0])}: {esc(fmt(value, "amount"))}</title></rect>'
            )
        shapes.append(f'<text x="{g * step + 10}" y="144">{esc(label)}</text>')
    legend = "".join(
        f'<rect x="{i * 170 + 10}" y="152" width="10" height="10" fill="{colour}"/>'
        f'<text x="{i * 170 + 24}" y="161">{esc(name)}</text>'
        for i, (name, colour) in enumerate(series)
    )
    width = max(len(groups) * step + 20, len(series) * 170 + 20)
    return Html(f'<svg width="{width}" height="168" role="img">{"".join(shapes)}{legend}</svg>')
