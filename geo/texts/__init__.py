"""UI text by concern, (zh, en) per key; ``geo.i18n`` merges them into one table and refuses a key
defined in two of them (the later would silently replace the earlier)."""

MODULES = ("app", "energy", "meeting", "data", "ingest")
