"""`stagewise` command line: demo extracts, a full materialization, the headline KPIs and the HTML report."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

# No environment is set here: Dagster telemetry is off in orchestration/dagster.yaml, dagster-dbt turns dbt's
# usage statistics off for its dbt processes, and expectations.runner turns GX analytics off in its context.


def _demo(args: argparse.Namespace) -> int:
    try:
        from demo import write_demo
    except ModuleNotFoundError as exc:  # openpyxl comes with the optional `demo` extra
        print(f"stagewise demo: {exc}", file=sys.stderr)
        return 2

    counts = write_demo(Path(args.out), scale=args.scale, seed=args.seed)
    print(f"Demo extracts written to {Path(args.out).resolve()}")
    for entity, rows in sorted(counts.items()):
        print(f"  {entity:<28} {rows:>10,} rows")
    return 0


def _run(args: argparse.Namespace) -> int:
    from orchestration.run import run_pipeline

    return run_pipeline(
        extracts=Path(args.extracts),
        warehouse=Path(args.warehouse),
        stages=Path(args.stages) if args.stages else None,
        full_refresh=args.full_refresh,
        rebuild=args.rebuild,
        engine=args.engine,
    )


def _month(text: str) -> date:
    """`--month YYYY-MM` as the month's first day."""
    try:
        return date.fromisoformat(f"{text}-01")
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a month: expected YYYY-MM, e.g. 2026-10") from None


def _marts_source(warehouse: str) -> Path | None:
    """Where `kpi` and `report` read the marts; None, with the reason on stderr, when nothing was built yet."""
    from storage import WarehouseFiles

    source = WarehouseFiles(Path(warehouse)).marts_source()
    if not source.exists():
        print(f"No warehouse at {warehouse}: run `stagewise run` first.", file=sys.stderr)
        return None
    return source


def _kpi(args: argparse.Namespace) -> int:
    from reporting.html import report_name
    from reporting.terminal import headline
    from storage import WarehouseFiles, connect

    files, source = WarehouseFiles(Path(args.warehouse)), _marts_source(args.warehouse)
    if source is None:
        return 2
    with connect(source, read_only=True) as con:
        print(headline(con, args.month))
    report = files.reports_dir / report_name()
    if report.exists():
        print(f"\nReport: {report.resolve()}")
    return 0


def _report(args: argparse.Namespace) -> int:
    from reporting import html as kpi_page
    from storage import WarehouseFiles, connect

    files, source = WarehouseFiles(Path(args.warehouse)), _marts_source(args.warehouse)
    if source is None:
        return 2
    with connect(source, read_only=True) as con:
        page = kpi_page.render(con, args.month, args.lang)
    path = kpi_page.write(Path(args.out) if args.out else files.reports_dir, page, args.lang)
    print(f"Report: {path.resolve()}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from reporting.html.labels import DEFAULT_LANGUAGE, LANGUAGES

    parser = argparse.ArgumentParser(prog="stagewise", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="write a deterministic demo extracts directory")
    demo.add_argument("--out", required=True, help="extracts directory to write")
    demo.add_argument("--scale", type=float, default=1.0, help="1 = ~20 reps, 5,000 prospects, a year of history")
    demo.add_argument("--seed", type=int, default=7)
    demo.set_defaults(func=_demo)

    run = commands.add_parser("run", help="materialize every asset: ingest, dbt build, checks, marts")
    run.add_argument("--extracts", required=True, help="extracts directory")
    run.add_argument("--warehouse", required=True, help="DuckDB warehouse file (created if missing)")
    run.add_argument("--stages", help="pipelines.yml overriding <extracts>/pipelines.yml and the default")
    run.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild the incremental message pairs from scratch (never needed for new deliveries)",
    )
    run.add_argument(
        "--rebuild",
        action="store_true",
        help="build, check and publish even when nothing changed since the last published build",
    )
    run.add_argument(
        "--engine",
        choices=("duckdb", "spark"),
        default="duckdb",
        help="where dbt builds: DuckDB (default) or a local Spark (docs/scale-out.md)",
    )
    run.set_defaults(func=_run)

    kpi = commands.add_parser("kpi", help="print the headline KPIs from the marts")
    kpi.add_argument("--warehouse", required=True, help="the warehouse file given to `stagewise run`")
    kpi.add_argument("--month", type=_month, help="YYYY-MM (default: the latest full month of data)")
    kpi.set_defaults(func=_kpi)

    report = commands.add_parser("report", help="write the HTML KPI report from the published marts")
    report.add_argument("--warehouse", required=True, help="the warehouse file given to `stagewise run`")
    report.add_argument("--month", type=_month, help="YYYY-MM (default: the latest full month of data)")
    report.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE, help="page language (default: zh)")
    report.add_argument("--out", help="folder to write kpi_report[.<lang>].html to (default: <warehouse dir>/reports)")
    report.set_defaults(func=_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
