"""The managers' KPI report as one self-contained HTML page in one language: `render(con, month, lang)` the page,
`write(reports_dir, page, lang)` it. Labels live in `labels.yml`, the layout in `templates/`."""

from reporting.html.labels import DEFAULT_LANGUAGE, LANGUAGES, Labels
from reporting.html.page import REPORT_NAME, SECTIONS, render, report_name, write

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "REPORT_NAME", "SECTIONS", "Labels", "render", "report_name", "write"]
