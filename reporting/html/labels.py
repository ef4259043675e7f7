"""The report's words in one language: the label catalogue (`labels.yml`, both languages side by side) and the
page's way of writing numbers, days and names in that language."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from reporting.formatting import fmt

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
CATALOGUE = Path(__file__).with_name("labels.yml")


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """{key: {language: text}} as written in labels.yml."""
    import yaml

    with CATALOGUE.open(encoding="utf-8") as file:
        return yaml.safe_load(file)


class Labels:
    """The labels of one language: `labels("kpi.won_amount", currency="CNY")`."""

    def __init__(self, lang: str) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"report language {lang!r}: expected one of {', '.join(LANGUAGES)}")
        self.lang = lang
        self._texts = {key: texts[lang] for key, texts in catalogue().items()}

    def __call__(self, key: str, **values: object) -> str:
        try:
            text = self._texts[key]
        except KeyError:
            raise KeyError(f"label {key!r} is not in {CATALOGUE.name}") from None
        return text.format(**values) if values else text

    def num(self, value: float | None, unit: str) -> str:
        """`value` in `unit` (see `reporting.formatting.fmt`), with this language's word for days and for n/a."""
        if value is None:
            return self("missing")
        if unit == "days":
            return self("days", value=f"{value:.1f}")
        return fmt(value, unit)

    def name(self, names: tuple[str | None, str | None], key: str | None) -> str:
        """A stage's or pipeline's name from its (Chinese, English) names: this language's, else the key.

        A Chinese page falls back on the English name; an English page never shows a Chinese name."""
        zh, en = names
        choices = (zh, en) if self.lang == "zh" else (en,)
        return next((n for n in choices if n), None) or str(key)

    def join(self, items: list[str]) -> str:
        return self("list.separator").join(items)
