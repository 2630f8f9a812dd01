"""H3 hexagon totals for maps that have too many features to draw one by one.

Features carry their resolution-7 cell (``h3_r7``, set at build/import); a query groups by
(cell, category) in DuckDB and ``roll_up`` turns those rows into parent cells with totals, the
dominant category and the hexagon outline deck.gl needs.
"""

from __future__ import annotations

from functools import lru_cache

import h3
import pandas as pd


# A city has a few thousand res-7 cells and their parents never change, but the h3 calls per cell
# (parent, centre, outline) cost ~10 ms per map rerun at 1 M parcels (profiled): remember them.
@lru_cache(maxsize=100_000)
def _parent(cell: int, res: int) -> str:
    return h3.cell_to_parent(h3.int_to_str(cell), res)


@lru_cache(maxsize=100_000)
def _shape(cell: str) -> tuple[float, float, tuple]:
    """(lon, lat, outline as [lng, lat] pairs) of a cell."""
    lat, lng = h3.cell_to_latlng(cell)
    return lng, lat, tuple((x, y) for y, x in h3.cell_to_boundary(cell))


def roll_up(rows: pd.DataFrame, *, res: int, category: str, order: tuple[str, ...], count: str,
            sums: dict[str, str]) -> pd.DataFrame:
    """Per-(h3_r7, ``category``) rows with a count ``n`` and ``sums`` columns -> per res-``res`` cell.

    Returns: cell, ``count``, each output sum (``sums`` maps output -> input column), the
    dominant ``category`` (most features; ties -> larger first sum, then earlier in ``order``),
    lon, lat, boundary ([lng, lat] pairs; an open ring is fine for a PolygonLayer). Computed
    from the features' own counts, not as the mode of child cells' modes.
    """
    columns = ["cell", count, *sums, category, "lon", "lat", "boundary"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    parent = {c: _parent(int(c), res) for c in rows["h3_r7"].unique()}
    rows = rows.assign(cell=rows["h3_r7"].map(parent))
    inputs = list(dict.fromkeys(sums.values()))
    per_category = rows.groupby(["cell", category], as_index=False)[["n", *inputs]].sum()
    per_category["order"] = per_category[category].map({v: i for i, v in enumerate(order)})
    first_sum = inputs[0]
    dominant = (per_category.sort_values(["cell", "n", first_sum, "order"], ascending=[True, False, False, True])
                .drop_duplicates("cell").set_index("cell")[category])
    cells = per_category.groupby("cell").agg(**{count: ("n", "sum")},
                                             **{out: (col, "sum") for out, col in sums.items()}).reset_index()
    cells[count] = cells[count].astype("int64")
    for out in sums:
        cells[out] = cells[out].astype(float).round(2)
    cells[category] = cells["cell"].map(dominant)
    shapes = [_shape(c) for c in cells["cell"]]
    cells["lon"] = [lon for lon, _, _ in shapes]
    cells["lat"] = [lat for _, lat, _ in shapes]
    cells["boundary"] = [[list(p) for p in ring] for _, _, ring in shapes]
    return cells[columns]
