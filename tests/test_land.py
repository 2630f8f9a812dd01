"""geo.land: hand-computed values on tiny parcels, published figures and independent checks on the demo."""

from __future__ import annotations

import datetime as dt

import duckdb
import geopandas as gpd
import h3
import pandas as pd
import pytest
from conftest import AS_OF, CHALING, HETANG, LILING, make_tiny_tables
from shapely.geometry import Polygon, box

from geo import land, overview, schema, store
from geo.filters import Filters
from geo.join import add_h3_cells
from geo.query import Scope
from geo.snapshot_db import spatial_extension_path

D = dt.date
ALL = Scope.all()
NONE = Filters()
NOTHING = (Scope((HETANG,)), Filters(districts=(LILING,)))  # in scope ∩ filtered = no district


@pytest.fixture
def snap(store_dir):
    """The tiny tables plus parcels that exercise the stock/disposal definition (as-of 2023-09-30):

    L005 醴陵 50 批而未供 listed 2020, disposed 2022-03 (P004 now stands on it)
    L006 醴陵 20 低效    listed 2019, disposed 2022-11
    L007 荷塘 40 低效    listed 2021-12-31, still idle
    L008 茶陵 10 低效    listed 2018, disposed 2021 (not in the 2022 stock)
    L009 荷塘 15 闲置    listed 2022-01-01 (not before 2022), disposed 2023-02
    L010 醴陵 25 批而未供 listed 2022-02, disposed 2022-12 (disposed in 2022, not in its stock)
    With L001 荷塘 120 闲置 (listed 2022-06) and L002 荷塘 30.5 批而未供 (listed 2021) still idle;
    L003 (已处置, no idle class) and L004 (在用) never count.
    """
    tables = make_tiny_tables()
    extra = gpd.GeoDataFrame({
        "parcel_id": ["L005", "L006", "L007", "L008", "L009", "L010"],
        "district_adcode": [LILING, LILING, HETANG, CHALING, HETANG, LILING],
        "park": ["醴陵经开区", None, "荷塘工业园", None, None, "醴陵经开区"],
        "area_mu": [50.0, 20.0, 40.0, 10.0, 15.0, 25.0],
        "land_use": ["工业", "仓储", "工业", "商业", "工业", "工业"],
        "status": ["已处置", "已处置", "低效", "已处置", "已处置", "已处置"],
        "idle_class": ["批而未供", "低效", "低效", "低效", "闲置", "批而未供"],
        "listed_on": [D(2020, 5, 1), D(2019, 1, 1), D(2021, 12, 31), D(2018, 1, 1), D(2022, 1, 1), D(2022, 2, 1)],
        "disposal_method": ["挂牌出让", "盘活利用", None, "收回", "收回", "标准地出让"],
        "disposed_on": [D(2022, 3, 10), D(2022, 11, 5), None, D(2021, 6, 1), D(2023, 2, 14), D(2022, 12, 20)],
        "supply_mode": ["出让", None, "出让", None, None, "标准地"],
        "supplied_on": [D(2022, 4, 1), None, D(2015, 1, 1), None, None, D(2023, 1, 5)],
        "tax_per_mu_wan": [None, 5.5, 1.2, None, None, None],
    }, geometry=[box(113.52, 27.62, 113.53, 27.63), box(113.54, 27.64, 113.545, 27.645),
                 box(113.11, 27.81, 113.115, 27.815), box(113.62, 26.82, 113.625, 26.825),
                 box(113.17, 27.87, 113.175, 27.875), box(113.56, 27.52, 113.565, 27.525)], crs="EPSG:4326")
    tables["parcels"] = add_h3_cells(pd.concat([tables["parcels"].drop(columns="h3_r7"), extra],
                                               ignore_index=True))
    tables["projects"].loc[tables["projects"]["project_id"] == "P004", "parcel_id"] = "L005"
    return store.write_snapshot(tables, as_of=AS_OF, published_by="pytest", sources=["test"],
                                store_dir=store_dir)


def _rows(df: pd.DataFrame) -> dict:
    """{first column: (other columns…)} with missing values as None, for exact comparisons."""
    return {k: tuple(None if pd.isna(v) else v for v in row) for k, *row in df.itertuples(index=False)}


# --- tiny tables: hand-computed ------------------------------------------------------------------


def test_disposal_rates_tiny(snap):
    df = land.disposal_rates(snap, ALL, NONE)  # default: 2022, the last full year
    assert list(df.columns) == ["idle_class", "stock_mu", "disposed_mu", "rate_pct", "remaining_mu", "year"]
    assert list(df["idle_class"]) == list(schema.IDLE_CLASSES)
    assert _rows(df) == {
        "批而未供": (80.5, 75.0, 93.17, 30.5, 2022),  # 75 ÷ 80.5: L010 disposed but not in the stock
        "闲置": (0.0, 0.0, None, 120.0, 2022),        # no stock on 1 Jan 2022: no rate, not 0 %
        "低效": (60.0, 20.0, 33.33, 40.0, 2022),
    }
    assert _rows(land.disposal_rates(snap, ALL, NONE, year=2023)) == {
        "批而未供": (30.5, 0.0, 0.0, 30.5, 2023),
        "闲置": (135.0, 15.0, 11.11, 120.0, 2023),
        "低效": (40.0, 0.0, 0.0, 40.0, 2023),
    }
    liling = land.disposal_rates(snap, ALL, Filters(districts=(LILING,))).set_index("idle_class")
    assert liling.loc["批而未供", "disposed_mu"] == 75.0 and liling.loc["批而未供", "stock_mu"] == 50.0
    assert land.disposal_rates(snap, Scope((HETANG,)), NONE)["disposed_mu"].sum() == 0.0
    with pytest.raises(ValueError):
        land.disposal_rates(snap, ALL, NONE, year="2022")


def test_disposal_rates_ignore_the_status_and_disposal_year_filters(snap):
    """Picking parcels by what became of them would make every rate 0 % (status 批而未供 now) or
    100 % (disposed in 2022): the rates and the district table are of the stock on 1 January."""
    expected = land.disposal_rates(snap, ALL, NONE)
    for picked in (Filters(parcel_statuses=("批而未供",)), Filters(disposed_year=2022)):
        pd.testing.assert_frame_equal(land.disposal_rates(snap, ALL, picked), expected)
        pd.testing.assert_frame_equal(land.district_disposal(snap, ALL, picked), land.district_disposal(snap, ALL, NONE))
    narrowed = land.disposal_rates(snap, ALL, Filters(districts=(LILING,), disposed_year=2022))
    pd.testing.assert_frame_equal(narrowed, land.disposal_rates(snap, ALL, Filters(districts=(LILING,))))


def test_overview_land_figures_delegates(snap):
    assert overview.land_figures(snap, ALL, NONE) == {
        "year": 2022,
        "批而未供": {"disposed_mu": 75.0, "stock_mu": 80.5, "rate_pct": 93.17},
        "闲置": {"disposed_mu": 0.0, "stock_mu": 0.0, "rate_pct": None},
        "低效": {"disposed_mu": 20.0, "stock_mu": 60.0, "rate_pct": 33.33},
    }
    assert overview.land_figures(snap, ALL, NONE, 2023)["闲置"]["rate_pct"] == 11.11


def test_district_disposal_tiny(snap):
    df = land.district_disposal(snap, ALL, NONE)
    assert list(df.columns) == ["rank", "adcode", "name_zh", "name_en", "remaining_mu", "disposed_mu",
                                "stock_mu", "rate_pct", "parcels_remaining"]
    # 荷塘 first; 醴陵 and 茶陵 tie at 0 remaining, share rank 2, ordered by adcode.
    assert [tuple(None if pd.isna(v) else v for v in r) for r in df.itertuples(index=False)] == [
        (1, HETANG, "荷塘区", "Hetang District", 190.5, 0.0, 70.5, 0.0, 3),
        (2, CHALING, "茶陵县", "Chaling County", 0.0, 0.0, 0.0, None, 0),
        (2, LILING, "醴陵市", "Liling City", 0.0, 95.0, 70.0, 135.71, 0),
    ]
    one = land.district_disposal(snap, Scope((HETANG, LILING)), Filters(districts=(LILING,)), year=2023)
    assert list(one["adcode"]) == [LILING] and one["stock_mu"].iloc[0] == 0.0  # all disposed in 2022


def test_so_far_stops_at_the_as_of_date(snap, store_dir):
    """A disposal dated after the as-of date (2023-10-15, after 2023-09-30) was counted in the
    district table's "2023 so far" but not in the monthly chart beside it (tester 15)."""
    parcels = store.read_table(snap, "parcels")
    late = parcels[parcels["parcel_id"] == "L009"].assign(parcel_id="L011", area_mu=7.0,
                                                          disposed_on=pd.Timestamp("2023-10-15"))
    later = store.derive_snapshot(snap, {"parcels": pd.concat([parcels, late], ignore_index=True)},
                                  published_by="pytest", sources=[], store_dir=store_dir)
    hetang = land.district_disposal(later, ALL, NONE, year=2023).set_index("adcode").loc[HETANG]
    assert hetang["disposed_mu"] == 15.0  # L009 only, as the chart
    chart = land.monthly_disposal(later, ALL, NONE).set_index(["month", "idle_class"])
    assert chart.loc[(9, "闲置"), "cum_disposed_mu"] == 15.0
    assert land.disposal_rates(later, ALL, NONE, year=2023).set_index("idle_class").loc["闲置", "disposed_mu"] == 15.0


def test_monthly_disposal_tiny(snap):
    df = land.monthly_disposal(snap, ALL, NONE, year=2022)
    assert list(df.columns) == ["month", "idle_class", "disposed_mu", "parcels", "cum_disposed_mu"]
    assert len(df) == 36 and list(df["month"].unique()) == list(range(1, 13))
    by = df.set_index(["month", "idle_class"])
    assert (by.loc[(3, "批而未供"), "disposed_mu"], by.loc[(3, "批而未供"), "parcels"]) == (50.0, 1)
    assert by.loc[(12, "批而未供"), "cum_disposed_mu"] == 75.0
    assert by.loc[(11, "低效"), "disposed_mu"] == 20.0 and by.loc[(10, "低效"), "cum_disposed_mu"] == 0.0
    assert df["disposed_mu"].notna().all()  # 2022 is entirely before as-of

    cur = land.monthly_disposal(snap, ALL, NONE).set_index(["month", "idle_class"])  # default: 2023
    assert cur.loc[(2, "闲置"), "disposed_mu"] == 15.0 and cur.loc[(9, "闲置"), "cum_disposed_mu"] == 15.0
    assert cur.loc[10:].isna().all().all() and cur.loc[:9].notna().all().all()  # Oct–Dec: future


def test_parcel_shapes_tiny(snap):
    res = land.parcel_shapes(snap, ALL, NONE)
    assert res.total == 10 and res.cells is None and res.invalid.empty
    gdf = res.parcels
    assert isinstance(gdf, gpd.GeoDataFrame) and gdf.crs.to_epsg() == 4326
    assert list(gdf.columns) == [*land.SHAPE_COLUMNS, "geometry"]
    assert list(gdf["parcel_id"][:3]) == ["L001", "L003", "L005"]  # biggest first
    # Simplification at ~2 m leaves a rectangle as it is.
    assert gdf.set_index("parcel_id").geometry["L005"].equals(box(113.52, 27.62, 113.53, 27.63))

    cells = land.parcel_shapes(snap, ALL, NONE, max_parcels=2)
    assert cells.parcels is None and cells.total == 10
    assert cells.cells["parcels"].sum() == 10 and cells.cells["area_mu"].sum() == pytest.approx(435.75)
    assert cells.cells["idle_mu"].sum() == pytest.approx(190.5)
    assert {h3.get_resolution(c) for c in cells.cells["cell"]} == {6}
    assert set(cells.cells["status"]) <= set(schema.PARCEL_STATUSES)
    hetang = land.parcel_shapes(snap, ALL, Filters(districts=(HETANG,)), max_parcels=0).cells
    assert {h3.get_resolution(c) for c in hetang["cell"]} == {7} and hetang["parcels"].sum() == 4
    with pytest.raises(ValueError):
        land.parcel_shapes(snap, ALL, NONE, max_parcels=-1)


def test_largest_idle_tiny(snap):
    df = land.largest_idle(snap, ALL, NONE)
    assert list(df.columns) == land.IDLE_COLUMNS
    assert list(df["parcel_id"]) == ["L001", "L007", "L002"]
    assert list(df["area_m2"]) == [80000.0, 26667.0, 20333.0]
    by_listing = land.largest_idle(snap, ALL, NONE, order_by="listed_on", descending=False, limit=2)
    assert list(by_listing["parcel_id"]) == ["L002", "L007"]
    for bad in ("geometry", "area_m2", "area_mu; DROP TABLE parcels"):
        with pytest.raises(ValueError):
            land.largest_idle(snap, ALL, NONE, order_by=bad)


def test_parcel_details_tiny(snap):
    d = land.parcel_details(snap, ALL, "L005")
    assert d.parcel["area_mu"] == 50.0 and d.parcel["disposed_on"] == D(2022, 3, 10)
    assert d.parcel["tax_per_mu_wan"] is None and "geometry" not in d.parcel
    assert (d.parcel["lon"], d.parcel["lat"]) == pytest.approx((113.525, 27.625))
    assert list(d.projects.columns) == land.PROJECT_COLUMNS
    assert list(d.projects["project_id"]) == ["P004"] and d.projects["name"].iloc[0] == "醴陵光伏电站"
    assert land.parcel_details(snap, ALL, "L007").projects.empty
    assert land.parcel_details(snap, Scope((HETANG,)), "L005") is None  # out of scope
    for bad in ("L999", "", "L005' OR '1'='1", "x'); DROP TABLE parcels; --", 5):
        assert land.parcel_details(snap, ALL, bad) is None


def test_land_summary_tiny(snap):
    s = land.land_summary(snap, ALL, NONE)
    assert s == {
        "parcels": 10, "area_mu": 435.75,
        "by_status": {"在用": (1, 45.25), "批而未供": (1, 30.5), "闲置": (1, 120.0), "低效": (1, 40.0),
                      "已处置": (6, 200.0)},
        "remaining_idle_mu": 190.5,
        "reused_mu": 130.0,  # L003 (P003) + L005 (P004); L001 carries P001 but is still idle
    }
    assert land.land_summary(snap, Scope((HETANG,)), NONE)["reused_mu"] == 0.0


def test_nothing_matches_gives_empty_results(snap):
    scope, f = NOTHING
    rates = land.disposal_rates(snap, scope, f)
    assert len(rates) == 3 and (rates[["stock_mu", "disposed_mu", "remaining_mu"]] == 0).all().all()
    assert rates["rate_pct"].isna().all()
    assert land.district_disposal(snap, scope, f).empty
    monthly = land.monthly_disposal(snap, scope, f, year=2022)
    assert len(monthly) == 36 and monthly["disposed_mu"].sum() == 0 and monthly["parcels"].sum() == 0
    res = land.parcel_shapes(snap, scope, f)
    assert res.total == 0 and res.parcels.empty and res.invalid.empty
    cells = land.parcel_shapes(snap, scope, f, max_parcels=0)
    assert cells.total == 0 and cells.parcels.empty  # 0 parcels ≤ 0: outlines, none of them
    assert land.largest_idle(snap, scope, f).empty
    s = land.land_summary(snap, scope, f)
    assert (s["parcels"], s["area_mu"], s["remaining_idle_mu"], s["reused_mu"]) == (0, 0.0, 0.0, 0.0)
    assert set(s["by_status"].values()) == {(0, 0.0)}


def test_geometry_problem_reasons():
    """The store refuses missing and empty outlines, so check the classification on literals."""
    con = duckdb.connect()
    try:
        con.execute(f"LOAD '{spatial_extension_path()}'")
        rows = con.execute(f"""
            SELECT id, {land.GEOMETRY_PROBLEM} FROM (VALUES
                (1, ST_GeomFromText('POLYGON((0 0, 1 0, 1 1, 0 1, 0 0))')),
                (2, ST_GeomFromText('POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))')),
                (3, ST_GeomFromText('POLYGON EMPTY')),
                (4, NULL::GEOMETRY)) t(id, geometry) ORDER BY id""").fetchall()
    finally:
        con.close()
    assert rows == [(1, None), (2, "invalid"), (3, "empty"), (4, "missing")]


# --- demo store: published figures and independent DuckDB checks ---------------------------------


@pytest.fixture(scope="module")
def demo(demo_store):
    return store.open_current(demo_store)


def _direct(demo_snap, sql: str, params: list | None = None) -> pd.DataFrame:
    """Straight from the Parquet file: no query layer, no Filters, no geo.land."""
    con = duckdb.connect()
    try:
        return con.execute(sql.replace("PARCELS", "read_parquet(?)"),
                           [str(demo_snap.table_path("parcels")), *(params or [])]).df()
    finally:
        con.close()


def test_demo_city_rates(demo):
    df = land.disposal_rates(demo, ALL, NONE).set_index("idle_class")
    assert df.loc["批而未供", "year"] == 2022
    assert (df.loc["批而未供", "disposed_mu"], df.loc["批而未供", "rate_pct"]) == (10200.0, 59.88)
    assert (df.loc["低效", "disposed_mu"], df.loc["低效", "rate_pct"]) == (10200.0, 66.15)
    assert round(df.loc["批而未供", "stock_mu"]) == 17034 and round(df.loc["低效", "stock_mu"]) == 15420


def test_demo_districts_match_city_and_direct_duckdb(demo):
    city = land.disposal_rates(demo, ALL, NONE)
    districts = land.district_disposal(demo, ALL, NONE)
    assert len(districts) == 9 and list(districts["rank"]) == list(range(1, 10))
    assert districts["remaining_mu"].is_monotonic_decreasing
    for col in ("disposed_mu", "stock_mu", "remaining_mu"):
        assert districts[col].sum() == pytest.approx(city[col].sum(), abs=0.05)
    direct = _direct(demo, """
        SELECT district_adcode AS adcode,
               sum(area_mu) FILTER (WHERE disposed_on >= DATE '2022-01-01' AND disposed_on <= DATE '2022-12-31') AS disposed,
               sum(area_mu) FILTER (WHERE listed_on < DATE '2022-01-01'
                                    AND (disposed_on IS NULL OR disposed_on >= DATE '2022-01-01')) AS stock,
               sum(area_mu) FILTER (WHERE status IN ('批而未供', '闲置', '低效')) AS remaining
        FROM PARCELS WHERE idle_class IS NOT NULL GROUP BY district_adcode""").set_index("adcode")
    got = districts.set_index("adcode")
    assert set(got.index) == set(direct.index)
    for code in direct.index:
        assert got.loc[code, "disposed_mu"] == pytest.approx(direct.loc[code, "disposed"], abs=0.005)
        assert got.loc[code, "stock_mu"] == pytest.approx(direct.loc[code, "stock"], abs=0.005)
        assert got.loc[code, "remaining_mu"] == pytest.approx(direct.loc[code, "remaining"], abs=0.005)


def test_demo_monthly_cumulative_equals_year(demo):
    df = land.monthly_disposal(demo, ALL, NONE, year=2022)
    december = df[df["month"] == 12].set_index("idle_class")["cum_disposed_mu"]
    city = land.disposal_rates(demo, ALL, NONE, year=2022).set_index("idle_class")["disposed_mu"]
    for cls in schema.IDLE_CLASSES:
        assert december[cls] == pytest.approx(city[cls], abs=0.01)
    assert december["批而未供"] == pytest.approx(10200.0, abs=0.01)


def test_demo_parcel_shapes(demo):
    you = land.parcel_shapes(demo, ALL, Filters(districts=("430223",)))
    expected = int(_direct(demo, "SELECT count(*) AS n FROM PARCELS WHERE district_adcode = ?",
                           ["430223"])["n"].iloc[0])
    assert you.cells is None and you.total == expected == len(you.parcels) and you.invalid.empty
    assert (you.parcels["district_adcode"] == "430223").all() and you.parcels.geometry.is_valid.all()

    city = land.parcel_shapes(demo, ALL, NONE, max_parcels=500)
    assert city.parcels is None and city.total == 1831 and city.cells["parcels"].sum() == city.total
    assert city.cells["idle_mu"].sum() == pytest.approx(
        land.disposal_rates(demo, ALL, NONE)["remaining_mu"].sum(), abs=0.1)


def test_demo_invalid_geometries(demo, tmp_path):
    tables = {t: store.read_table(demo, t) for t in schema.TABLES}
    parcels = tables["parcels"]
    bow_tie_id, code = parcels.loc[0, "parcel_id"], parcels.loc[0, "district_adcode"]
    x, y = parcels.geometry.iloc[0].representative_point().coords[0]
    bow_tie = Polygon([(x, y), (x + 0.001, y + 0.001), (x + 0.001, y), (x, y + 0.001), (x, y)])
    assert not bow_tie.is_valid

    # The store refuses an empty outline (geometry is non-nullable: missing or empty) ...
    with_empty = {**tables, "parcels": parcels.copy()}
    with_empty["parcels"].loc[1, "geometry"] = Polygon()
    with pytest.raises(store.SchemaValidationError, match="empty geometry"):
        store.write_snapshot(with_empty, as_of=demo.as_of, published_by="pytest", sources=["test"],
                             store_dir=tmp_path / "refused")
    # ... but accepts a self-intersecting one, which the map must then leave out and report.
    parcels.loc[0, "geometry"] = bow_tie
    snap = store.write_snapshot(tables, as_of=demo.as_of, published_by="pytest", sources=["test"],
                                store_dir=tmp_path / "store")
    res = land.parcel_shapes(snap, ALL, Filters(districts=(code,)))
    assert res.invalid.to_dict("records") == [{"parcel_id": bow_tie_id, "reason": "invalid"}]
    assert bow_tie_id not in set(res.parcels["parcel_id"]) and len(res.parcels) == res.total - 1
    assert res.parcels.geometry.is_valid.all()
    cells = land.parcel_shapes(snap, ALL, NONE, max_parcels=10)
    assert cells.cells["parcels"].sum() == 1831  # its h3_r7 still places it
    # the cells view skips the costly validity check; the store-wide report has it
    assert land.invalid_geometries(snap, ALL, NONE).to_dict("records") == \
        [{"parcel_id": bow_tie_id, "reason": "invalid"}]
    assert land.parcel_details(snap, ALL, bow_tie_id).parcel["lon"] is not None


def test_demo_reused_site(demo):
    site = _direct(demo, "SELECT parcel_id FROM PARCELS WHERE park = ? AND area_mu = 100 AND idle_class = ?",
                   ["攸县高新区", "闲置"])
    assert len(site) == 1
    d = land.parcel_details(demo, ALL, site["parcel_id"].iloc[0])
    assert (d.parcel["idle_class"], d.parcel["disposal_method"], d.parcel["status"]) == ("闲置", "收回", "已处置")
    assert "攸县高新区原艾硅特项目地块新材料项目" in set(d.projects["name"])
    assert d.projects.loc[d.projects["name"] == "攸县高新区原艾硅特项目地块新材料项目",
                          "total_investment_yi"].iloc[0] == 10.0
    assert land.parcel_details(demo, Scope((LILING,)), site["parcel_id"].iloc[0]) is None


def test_demo_summary_matches_direct(demo):
    s = land.land_summary(demo, ALL, NONE)
    direct = _direct(demo, "SELECT status, count(*) AS n, sum(area_mu) AS mu FROM PARCELS GROUP BY status")
    assert s["parcels"] == 1831 == direct["n"].sum()
    for status, n, mu in direct.itertuples(index=False):
        assert s["by_status"][status] == (n, pytest.approx(mu, abs=0.005))
    assert s["remaining_idle_mu"] == pytest.approx(10704.0, abs=0.01)
    reused = _direct(demo, f"""
        SELECT sum(area_mu) AS mu FROM PARCELS WHERE status = '已处置' AND parcel_id IN
            (SELECT parcel_id FROM read_parquet('{demo.table_path("projects")}'))""")["mu"].iloc[0]
    assert 0 < s["reused_mu"] == pytest.approx(reused, abs=0.005)
