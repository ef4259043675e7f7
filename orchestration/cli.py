"""`stagewise` command line: demo extracts, a full materialization, and the headline KPIs."""

from __future__ import annotations

import argparse
import sys
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
    )


def _kpi(args: argparse.Namespace) -> int:
    from datetime import date

    from reporting.terminal import headline
    from storage import WarehouseFiles, connect

    source = WarehouseFiles(Path(args.warehouse)).marts_source()
    if not source.exists():
        print(f"No warehouse at {args.warehouse}: run `stagewise run` first.", file=sys.stderr)
        return 2
    month = date.fromisoformat(args.month + "-01") if args.month else None
    with connect(source, read_only=True) as con:
        print(headline(con, month))
    return 0


def build_parser() -> argparse.ArgumentParser:
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
    run.set_defaults(func=_run)

    kpi = commands.add_parser("kpi", help="print the headline KPIs from the marts")
    kpi.add_argument("--warehouse", required=True, help="the warehouse file given to `stagewise run`")
    kpi.add_argument("--month", help="YYYY-MM (default: the latest full month of data)")
    kpi.set_defaults(func=_kpi)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
