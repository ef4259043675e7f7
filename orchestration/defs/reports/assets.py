"""The managers' KPI report: a static HTML page rendered from the published marts after each good run.

It reads `marts.duckdb` read-only (never the warehouse the pipeline writes) and writes the Chinese page,
`<warehouse dir>/reports/kpi_report.html`, beside the validation report (`stagewise report --lang en` writes
the English one on request: one language per run keeps the step short). Rendering lives in `reporting.html`,
tested without Dagster. The report is optional: when it cannot be rendered the step logs a warning naming why,
and the run (whose marts are already published) succeeds.
"""

import dagster as dg

from orchestration.settings import StagewiseSettings
from reporting import html as kpi_page
from reporting.queries import latest_full_month
from storage import connect


@dg.asset(
    key=["published", "kpi_report"],
    deps=[dg.AssetKey(["published", "marts"])],
    group_name="published",
    kinds={"html"},
    pool="duckdb",
    description="销售KPI报告: self-contained HTML report of the latest full month (reports/kpi_report.html).",
)
def published_kpi_report(context: dg.AssetExecutionContext, settings: StagewiseSettings) -> dg.MaterializeResult:
    files = settings.files
    try:
        with connect(files.published, read_only=True) as con:
            month = latest_full_month(con)
            page = kpi_page.render(con, month)
        path = kpi_page.write(files.reports_dir, page)
    except Exception as exc:  # noqa: BLE001 - an optional product: the published KPIs stand without it
        context.log.warning(
            "KPI report not written (the published marts are unaffected): %s: %s", type(exc).__name__, exc
        )
        return dg.MaterializeResult(metadata={"error": f"{type(exc).__name__}: {exc}"})
    context.log.info("KPI report for %s written to %s", month or "no data", path)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "report_month": f"{month:%Y-%m}" if month else "none",
            "language": kpi_page.DEFAULT_LANGUAGE,
            "bytes": len(page.encode("utf-8")),
        }
    )
