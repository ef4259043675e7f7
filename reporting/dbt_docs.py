"""`make docs`: dbt's documentation site (lineage, models, columns and their descriptions) as one static page
beside the reports, `<warehouse dir>/reports/dbt-docs.html`, readable offline.

`dbt docs generate --static` inlines the manifest and the warehouse's catalog into a single HTML file. The page
makes no request by itself, save one: dbt's usage tracker loads a script from a CDN when the manifest allows
tracking (the project turns it off; the loader is removed here all the same). `external_fetches` lists whatever
the page would still fetch from the network; `build` refuses to write a page that has any.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

from storage import WarehouseFiles

DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"
PAGE_NAME = "dbt-docs.html"
# A script, stylesheet, image or font pulled from another host: src=/href= of a tag, a `.src =` in a script,
# CSS url() and @import. Plain links (<a href>) are navigation, not fetches, and stay.
_FETCHES = (
    re.compile(r"<(?:script|img|iframe|link)\b[^>]*?\b(?:src|href)\s*=\s*[\"']((?:https?:)?//[^\"']+)", re.I),
    re.compile(r"\.src\s*=\s*[\"']((?:https?:)?//[^\"']+)[\"']"),
    re.compile(r"url\(\s*[\"']?((?:https?:)?//[^\"')]+)", re.I),
    re.compile(r"@import\s+[\"']((?:https?:)?//[^\"']+)", re.I),
)
_TRACKER = re.compile(r"(\.src\s*=\s*)\"//[^\"]*cloudfront\.net/[^\"]*sp\.js\"")


def external_fetches(html: str) -> list[str]:
    """The URLs on other hosts that the page would load (scripts, styles, images, fonts)."""
    return sorted({match for pattern in _FETCHES for match in pattern.findall(html) if "w3.org/" not in match})


def offline(html: str) -> str:
    """The page without dbt's tracker loader (its only request to a CDN)."""
    return _TRACKER.sub(r'\1""', html)


def build(warehouse: Path, out: Path | None = None) -> Path:
    """Generate the static docs of the project against `warehouse` (its catalog: types, row counts) and write them
    to `out` (default `<warehouse dir>/reports/dbt-docs.html`). dbt works in a scratch target folder, so the
    pipeline's own parse state is left as it was."""
    from dbt.cli.main import dbtRunner

    warehouse = warehouse.resolve()
    out = out or WarehouseFiles(warehouse).reports_dir / PAGE_NAME
    with tempfile.TemporaryDirectory(prefix="stagewise-docs-") as target:
        args = ["docs", "generate", "--static", "--quiet", "--project-dir", str(DBT_PROJECT_DIR)]
        args += ["--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", target]
        args += ["--vars", json.dumps({"stagewise_warehouse": str(warehouse)})]
        result = dbtRunner().invoke(args)
        if not result.success:
            raise RuntimeError(f"dbt docs generate failed: {result.exception or 'see the dbt log above'}")
        html = offline((Path(target) / "static_index.html").read_text(encoding="utf-8"))
    fetches = external_fetches(html)
    if fetches:
        raise RuntimeError(f"the docs page would load from the network: {fetches}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reporting.dbt_docs", description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True, help="the warehouse DuckDB file (built)")
    parser.add_argument("--out", type=Path, help="the page to write (default <warehouse dir>/reports/dbt-docs.html)")
    args = parser.parse_args(argv)
    if not args.warehouse.exists():
        print(f"no warehouse at {args.warehouse}: run `make run` (or `stagewise run`) first", file=sys.stderr)
        return 2
    print(f"dbt docs: {build(args.warehouse, args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
