"""UI text in Simplified Chinese (default) and English, and number formatting with units.

Pages never hard-code a label: they call ``t(key, lang)``; the texts live in ``geo.texts`` (one
module per concern), column and enum labels in ``geo.schema``. Numbers always carry their unit and thousands separators ("5,430.0 亿元").
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re

LANGS = ("zh", "en")
LANG_LABELS = {"zh": "中文", "en": "English"}


def _load_text() -> dict[str, tuple[str, str]]:
    """Every module's texts in one table; a key defined twice is an error, not a silent override."""
    import importlib

    from geo.texts import MODULES

    merged: dict[str, tuple[str, str]] = {}
    for name in MODULES:
        for key, pair in importlib.import_module(f"geo.texts.{name}").TEXT.items():
            if key in merged:
                raise KeyError(f"UI text {key!r} is defined twice (geo.texts.{name} and an earlier module)")
            merged[key] = pair
    return merged


TEXT: dict[str, tuple[str, str]] = _load_text()

# 亿元 stays as is in English (1 亿元 = 100 million CNY, said once in a caption): converting
# would change the published figures' digits and make the two languages hard to compare.
UNITS_EN = {"个": "", "亩": "mu", "万元/亩": "10k CNY/mu", "户": "households",
            "台": "", "件": "", "座": "", "宗": ""}


def t(key: str, lang: str = "zh", **values: object) -> str:
    zh, en = TEXT[key]
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text


def list_separator(lang: str = "zh") -> str:
    """Between the items of a list in running text: 、 in Chinese, a comma in English."""
    return "、" if lang == "zh" else ", "


def unit_label(unit: str, lang: str = "zh") -> str:
    return unit if lang == "zh" else UNITS_EN.get(unit, unit)


def with_unit(label: str, unit: str, lang: str = "zh") -> str:
    """A column header with its unit: "剩余闲置（亩）" / "Remaining idle (mu)". Numeric columns
    carry their unit here, not in every cell, so they sort as numbers and stay narrow."""
    unit = unit_label(unit, lang)
    if not unit or f"（{unit}）" in label or f"({unit})" in label:  # a word English drops (座 …), or said
        return label
    return f"{label}（{unit}）" if lang == "zh" else f"{label} ({unit})"


def _near_half(value: float, decimals: int) -> bool:
    """Whether ``value`` sits (within float error) on a rounding midpoint at ``decimals``."""
    scaled = abs(value) * 10.0 ** decimals
    return abs(scaled - math.floor(scaled) - 0.5) < 1e-6


def fmt_number(value: float | int | None, unit: str = "", decimals: int = 1, lang: str = "zh") -> str:
    """``5430.0, "亿元"`` -> ``"5,430.0 亿元"``; ``None``/NaN -> "—"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    # Half away from zero on the number as written (15 significant digits, as Excel shows it): a
    # sum of 101.05 亿元 is the float 101.0499…, which f"{:.1f}" showed as 101.0 beside an extract
    # Excel sums to 101.05 and shows as 101.1 (tester 9).
    if isinstance(value, int) or not math.isfinite(value) or not _near_half(float(value), decimals):
        text = f"{value:,.{decimals}f}"
    else:  # only here: the Decimal costs ~1.2 µs a number, and tables format thousands
        exact = decimal.Decimal(format(float(value), ".15g")).quantize(decimal.Decimal(1).scaleb(-decimals),
                                                                      rounding=decimal.ROUND_HALF_UP)
        text = f"{exact:,.{decimals}f}"
    if text.startswith("-") and not text.strip("-0.,"):  # -0.04 at one decimal: "0.0", not "-0.0"
        text = text[1:]
    label = unit_label(unit, lang)
    return f"{text} {label}" if label else text


def in_parts(text: str) -> str:
    """A text of parts joined by " · " with each part kept on one line (its spaces made
    non-breaking), so a wrapped line breaks only after a " ·": a metric's delta at 1366 px had
    split "集中式光伏" from its "55.8 MW". A text of one part is returned as it is."""
    parts = text.split(" · ")
    return text if len(parts) < 2 else "\u00a0· ".join(part.replace(" ", "\u00a0") for part in parts)


# Times people read (extract times, publish times, meeting days) are Beijing time, whatever the
# server's clock zone (UTC on these machines): China keeps one zone and no summer time.
BEIJING = dt.timezone(dt.timedelta(hours=8), "UTC+08:00")


def beijing(moment: str | dt.datetime) -> dt.datetime:
    """An ISO time (as the manifests store it) or an aware datetime, in Beijing time."""
    moment = dt.datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return moment.astimezone(BEIJING)


def fmt_count(value: int | None, unit: str = "个", lang: str = "zh") -> str:
    return fmt_number(value, unit, 0, lang)


def md_escape(text: str) -> str:
    """``text`` shown literally inside Markdown: every ASCII punctuation mark backslash-escaped
    (CommonMark), so names like ``<b>x</b>`` or ``**x**`` appear as typed."""
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", str(text))


def fmt_pct(value: float | None, decimals: int = 2) -> str:
    text = fmt_number(value, "", decimals).replace(",", "")
    return text if text == "—" else f"{text} %"
