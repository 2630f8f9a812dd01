"""The one error type of the import: a reason a whole file is stopped, as an i18n key + values.

Reasons are keys of ``geo.i18n.TEXT`` (``ingest_r_*``), so the page and the CLI say the same thing
in Chinese or English; ``str(error)`` is the English text (logs, tests).
"""

from __future__ import annotations


class IngestError(Exception):
    """The file cannot be imported at all (nothing is published); ``key`` names the reason."""

    def __init__(self, key: str, **params: object):
        self.key, self.params = key, params
        super().__init__(self.text("en"))

    def text(self, lang: str = "zh") -> str:
        from geo.i18n import t

        return t(f"ingest_r_{self.key}", lang, **self.params)
