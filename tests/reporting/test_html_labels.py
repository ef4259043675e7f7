"""The report's label catalogue: every label in both languages, with the same placeholders, English in English."""

from __future__ import annotations

import re
import string

import pytest

from reporting.html import LANGUAGES, Labels
from reporting.html.labels import catalogue

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def _fields(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def test_every_label_has_both_languages_with_the_same_placeholders():
    entries = catalogue()
    assert len(entries) > 100
    for key, texts in entries.items():
        assert set(texts) == set(LANGUAGES), key
        assert all(isinstance(text, str) and text.strip() for text in texts.values()), key
        assert _fields(texts["zh"]) == _fields(texts["en"]), key
    assert Labels("zh")._texts.keys() == Labels("en")._texts.keys()


def test_english_labels_hold_no_chinese_and_chinese_labels_are_chinese():
    assert [key for key, texts in catalogue().items() if CJK.search(texts["en"])] == []
    sections = [key for key in catalogue() if key.startswith("section.")]
    assert all(CJK.search(catalogue()[key]["zh"]) for key in sections)


def test_labels_fill_placeholders_and_write_numbers_in_their_language():
    zh, en = Labels("zh"), Labels("en")
    assert en("kpi.won_amount", currency="CNY") == "Won amount (CNY)"
    assert zh("kpi.won_amount", currency="CNY") == "成交金额（CNY）"
    assert (en.num(50.25, "days"), zh.num(50.25, "days")) == ("50.2 days", "50.2 天")
    assert (en.num(None, "pct"), zh.num(None, "pct"), en.num(0.3071, "pct")) == ("n/a", "无", "30.7%")
    assert (zh.name(("报价", "Quote"), "quote"), en.name(("报价", "Quote"), "quote")) == ("报价", "Quote")
    assert (zh.name((None, "Quote"), "quote"), en.name(("报价", None), "quote")) == ("Quote", "quote")
    with pytest.raises(KeyError, match="'nope' is not in labels.yml"):
        en("nope")
    with pytest.raises(ValueError, match="report language 'fr'"):
        Labels("fr")
