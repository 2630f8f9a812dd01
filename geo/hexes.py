"""H3 hexagon totals for maps that have too many features to draw one by one.

Features carry their resolution-7 cell (``h3_r7``, set at build/import). A query groups by
(parent cell, category) in DuckDB — ``parent_sql`` computes the parent with integer arithmetic —
and ``roll_up`` turns those few hundred rows into cells with totals, the dominant category and the
hexagon outline deck.gl needs.
"""

from __future__ import annotations

from functools import lru_cache

import h3
import numpy as np
import pandas as pd

SOURCE_RES = 7  # the stored cells: schema.H3_RESOLUTION


def parent_sql(column: str, res: int) -> str:
    """SQL for the resolution-``res`` parent of the res-7 H3 index in ``column`` (an integer).

    An H3 index keeps its resolution in bits 52–55 and one 3-bit digit per resolution below,
    digits past the cell's own resolution all 7; the parent is the same index with the resolution
    set to ``res`` and digits ``res+1``..7 set to 7 (h3's cellToParent does exactly this).
    In DuckDB this is two bit operations per row instead of an h3 call per cell in Python."""
    if isinstance(res, bool) or not isinstance(res, int) or not 0 <= res <= SOURCE_RES:
        raise ValueError(f"resolution must be 0..{SOURCE_RES} (cells are derived from h3_r7), got {res!r}")
    keep = ~(0xF << 52) & (2**63 - 1)
    digits = sum(7 << 3 * (15 - d) for d in range(res + 1, SOURCE_RES + 1))
    return f"(({column} & {keep}) | {(res << 52) | digits})"


# A city has a few thousand cells and their outlines never change, but the h3 calls per cell
# (name, centre, outline) cost ~10 ms per map rerun at 1 M parcels (profiled): remember them.
@lru_cache(maxsize=100_000)
def _shape(cell: int) -> tuple[str, float, float, tuple]:
    """(cell name, lon, lat, outline as [lng, lat] pairs) of a cell given as an integer."""
    name = h3.int_to_str(cell)
    lat, lng = h3.cell_to_latlng(name)
    return name, lng, lat, tuple((x, y) for y, x in h3.cell_to_boundary(name))


class _Reversed(str):
    """Orders names backwards, so in a max() the name earlier in the alphabet wins a tie."""

    def __lt__(self, other):
        return str.__gt__(self, other)

    def __gt__(self, other):
        return str.__lt__(self, other)


def roll_up(rows: pd.DataFrame, *, category: str, order: tuple[str, ...], count: str,
            sums: dict[str, str]) -> pd.DataFrame:
    """Per-(``cell``, ``category``) rows with a count ``n`` and ``sums`` columns -> one row per cell.

    ``cell`` is the integer parent index (``parent_sql``); a (cell, category) may have several
    rows (one per district), which add up.
    Returns: cell (the H3 name), ``count``, each output sum (``sums`` maps output -> input
    column), the dominant ``category`` (most features; ties -> larger first sum, then earlier in
    ``order``, then alphabetical), lon, lat, boundary ([lng, lat] pairs; an open ring is fine for
    a PolygonLayer). Features without a category are left out.
    Computed from the features' own counts, not as the mode of child cells' modes. Plain Python:
    a few hundred rows, where a pandas groupby costs milliseconds per step.
    """
    columns = ["cell", count, *sums, category, "lon", "lat", "boundary"]
    inputs = list(dict.fromkeys(sums.values()))
    rank = {v: i for i, v in enumerate(order)}
    totals: dict[int, list[float]] = {}
    per_category: dict[tuple, list[float]] = {}  # (cell, category) -> [count, first sum]
    for cell, cat, n, *values in zip(rows["cell"].tolist(), rows[category].tolist(), rows["n"].tolist(),
                                     *(rows[c].tolist() for c in inputs)):
        if cat is None or cat != cat:  # NULL or NaN: left out, as pandas' groupby did
            continue
        values = [0.0 if v is None or v != v else v for v in values]  # NULL / NaN sums count as 0
        acc = totals.setdefault(cell, [0] * (1 + len(inputs)))
        acc[0] += n
        for i, v in enumerate(values):
            acc[i + 1] += v
        # rows may repeat a (cell, category), one per district: the dominant one is of their sums
        both = per_category.setdefault((cell, cat), [0, 0.0])
        both[0] += n
        both[1] += values[0] if values else 0
    best: dict[int, tuple] = {}
    for (cell, cat), (n, first) in per_category.items():
        key = (n, first, -rank.get(cat, len(order)), _Reversed(cat))
        if cell not in best or key > best[cell][0]:
            best[cell] = (key, cat)
    out = {c: [] for c in columns}
    where = {col: 1 + inputs.index(col) for col in inputs}
    for cell, acc in sorted(totals.items()):  # integer order = the names' order
        name, lon, lat, ring = _shape(int(cell))
        out["cell"].append(name)
        out[count].append(int(acc[0]))
        for target, source in sums.items():
            out[target].append(acc[where[source]])
        out[category].append(best[cell][1])
        out["lon"].append(lon)
        out["lat"].append(lat)
        out["boundary"].append([list(p) for p in ring])  # lists for pydeck; the remembered tuples stay
    for target in sums:  # numpy's rounding, once per column: per value it was ~4 µs, ~13 ms a map (profiled)
        out[target] = np.round(np.array(out[target], dtype=float), 2).tolist()
    frame = pd.DataFrame(out, columns=columns)
    frame[count] = frame[count].astype("int64")
    return frame
