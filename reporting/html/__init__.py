"""The managers' KPI report as one self-contained HTML page: `render(con)` the page, `write(reports_dir, page)` it."""

from reporting.html.markup import NO_DATA
from reporting.html.page import REPORT_NAME, SECTIONS, render, write

__all__ = ["NO_DATA", "REPORT_NAME", "SECTIONS", "render", "write"]
