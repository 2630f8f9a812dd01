"""Importing the city's ledgers: read, map headers, normalise values, convert coordinates,
validate, report, publish as a new snapshot.

One module per concern:

- ``readers``    file kind from its bytes, encodings, zips (paths, bombs), allowed GDAL drivers
- ``headers``    header row(s), suggested column mapping, header units (万元 -> 亿元)
- ``values``     numbers with units, dates, text, one column at a time
- ``terms``      districts and enumerations as ledgers write them (施工中 -> 在建, 0601 -> 工业)
- ``coords``     source coordinate system -> WGS84, plausibility (outside, swapped, GCJ-02)
- ``rules``      checks beyond one cell: units judged on values, areas on outlines, dates in order
- ``pipeline``   ``load`` then ``check``: the accepted rows and the report
- ``report``     counts and problems, as text (CLI) and XLSX
- ``publish``    replace/upsert into a new snapshot, history, rollback, prune
- ``templates``  an XLSX template per table
- ``__main__``   ``python -m geo.ingest FILE --table projects [--crs gcj02] [--publish]``
"""

from geo.ingest.errors import IngestError
from geo.ingest.pipeline import IMPORT_TABLES, MODES, Checked, Loaded, Options, check, load, load_path
from geo.ingest.readers import MAX_UPLOAD_MB, UPLOAD_CEILING_MB

__all__ = ["IngestError", "IMPORT_TABLES", "MODES", "MAX_UPLOAD_MB", "UPLOAD_CEILING_MB", "Options", "Loaded", "Checked", "load",
           "load_path", "check"]
