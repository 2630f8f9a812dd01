"""The one error type of the import: a reason a whole file is stopped, as an i18n key + values.

Reasons are keys of ``geo.i18n.TEXT`` (``ingest_r_*``), so the page and the CLI say the same thing
in Chinese or English; ``str(error)`` is the English text (logs, tests).
"""

from __future__ import annotations

import unicodedata

Reason = tuple[str, dict]  # (i18n key, values): why a cell is rejected


class Rejected(ValueError):
    """One cell cannot be read (its row is rejected); ``reason`` names why."""

    def __init__(self, key: str, **params: object):
        super().__init__(key)
        self.reason: Reason = (key, params)


def nfkc(v: object) -> str:
    """A cell's text compared loosely: full-width forms folded (ＸＭ２０２３ -> XM2023), trimmed."""
    return unicodedata.normalize("NFKC", str(v)).strip()


class Localized(tuple):
    """A value the reason names in either language: (Chinese, English), e.g. a column's header."""


class IngestError(Exception):
    """The file cannot be imported at all (nothing is published); ``key`` names the reason.

    A parameter may be ``Localized`` or a list (of texts or ``Localized``), joined with the
    language's separator: the English page had said "Required columns are missing: 项目阶段 (stage)"
    and listed columns with "、"."""

    def __init__(self, key: str, **params: object):
        self.key, self.params = key, params
        super().__init__(self.text("en"))

    def text(self, lang: str = "zh") -> str:
        from geo.i18n import list_separator, t

        def shown(value):
            if isinstance(value, Localized):
                return value[0] if lang == "zh" else value[1]
            if isinstance(value, list):
                return list_separator(lang).join(str(shown(v)) for v in value)
            return value

        return t(f"ingest_r_{self.key}", lang, **{k: shown(v) for k, v in self.params.items()})
