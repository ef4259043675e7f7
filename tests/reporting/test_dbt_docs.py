"""`make docs` writes an offline page: dbt's docs page, whose only request to another host (its usage tracker's
script) is removed, is checked for anything else it would fetch. Runs on the page template dbt ships (the
static page is that template with the manifest and catalog inlined), without running dbt."""

from __future__ import annotations

from pathlib import Path

import dbt.task.docs

from reporting.dbt_docs import external_fetches, main, offline


def test_dbts_page_fetches_nothing_once_the_tracker_is_removed() -> None:
    template = (Path(dbt.task.docs.__file__).parent / "index.html").read_text(encoding="utf-8")
    assert external_fetches(template) == ["//d1fc8wv8zag5ca.cloudfront.net/2.9.0/sp.js"]
    assert external_fetches(offline(template)) == []


def test_every_kind_of_fetch_is_found_and_links_are_not() -> None:
    page = (
        '<script src="https://cdn.example.com/a.js"></script><link rel="stylesheet" href="//fonts.example.com/f.css">'
        "<style>@import 'https://x.example.com/i.css'; .a{background:url(http://img.example.com/b.png)}</style>"
        '<a href="https://docs.getdbt.com">docs</a><svg xmlns="http://www.w3.org/2000/svg"></svg>'
    )
    assert external_fetches(page) == [
        "//fonts.example.com/f.css",
        "http://img.example.com/b.png",
        "https://cdn.example.com/a.js",
        "https://x.example.com/i.css",
    ]


def test_without_a_warehouse_it_says_to_build_one(tmp_path: Path, capsys) -> None:
    assert main(["--warehouse", str(tmp_path / "stagewise.duckdb")]) == 2
    assert "make run" in capsys.readouterr().err
