"""geo.i18n: every text has both languages, no key is defined twice (a later duplicate would
silently replace an earlier text), and numbers carry their units."""

from __future__ import annotations

import ast
from pathlib import Path

from geo import i18n


def test_no_key_is_defined_twice():
    """Within a module a repeated key in the dict literal would silently win; across modules
    geo.i18n refuses it at import (checked here too)."""
    seen: dict[str, str] = {}
    for module in Path(i18n.__file__).parent.joinpath("texts").glob("[!_]*.py"):
        text_dict = next(node.value for node in ast.walk(ast.parse(module.read_text(encoding="utf-8")))
                         if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "TEXT")
        keys = [k.value for k in text_dict.keys]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        assert not duplicates, f"keys defined twice in {module.name}: {duplicates}"
        for key in keys:
            assert key not in seen, f"{key} is in both {seen[key]} and {module.name}"
            seen[key] = module.name
    assert len(seen) == len(i18n.TEXT)


def test_every_text_has_both_languages():
    for key, pair in i18n.TEXT.items():
        assert isinstance(pair, tuple) and len(pair) == 2, key
        assert pair[1], f"{key} has no English text"


def test_numbers_carry_units():
    assert i18n.fmt_number(5430, "亿元", 1, "zh") == "5,430.0 亿元"
    assert i18n.fmt_number(5430, "亿元", 1, "en") == "5,430.0 亿元"
    assert i18n.fmt_number(2703.8, "MW", 1, "en") == "2,703.8 MW"
    assert i18n.fmt_count(19994, "个", "zh") == "19,994 个" and i18n.fmt_count(19994, "个", "en") == "19,994"
    assert i18n.fmt_number(None, "MW") == "—" and i18n.fmt_number(float("nan"), "MW") == "—"
    # half away from zero on the number as written (15 digits, as Excel shows it): 101.05 is the
    # float 101.0499…, which "{:.1f}" showed as 101.0 beside an extract summing to 101.05 (tester 9)
    assert i18n.fmt_number(101.05, "亿元", 1) == "101.1 亿元" and i18n.fmt_number(-2.25, "", 1) == "-2.3"
    assert i18n.fmt_number(23.08 + 27.27, "", 1) == "50.4"  # a sum: 50.349999999999994
    assert i18n.fmt_number(-0.04, "", 1) == "0.0" and i18n.fmt_number(-1234.04, "", 1) == "-1,234.0"
    assert i18n.fmt_pct(66.665, 2) == "66.67 %" and i18n.fmt_pct(None) == "—" and i18n.fmt_pct(1234.5, 1) == "1234.5 %"


def test_in_parts_breaks_only_between_parts():
    assert i18n.in_parts("风电 309.0 MW · 集中式光伏 55.8 MW") == "风电\xa0309.0\xa0MW\xa0· 集中式光伏\xa055.8\xa0MW"
    assert i18n.in_parts("59.88 % of 17,034 mu (1 Jan stock)") == "59.88 % of 17,034 mu (1 Jan stock)"  # one part: as is

