"""The baseline for bench/bench_scale.py: "the typical Streamlit map app", on the same store.

    ZZMAP_STORE=DIR streamlit run bench/baseline_app.py      # ?page=overview|investment|land|energy

What a typical app does, on purpose: load every table into GeoPandas once at start
(``st.cache_resource`` + ``gpd.read_parquet``), filter with pandas on each run, and hand every
matching feature to pydeck as GeoJSON (a ``GeoJsonLayer`` of the GeoDataFrame's
``__geo_interface__``). It shows the same kind of page as ours (headline metrics, a map of the
filtered features, a top-50 table, a download with the filtered count) with the same widget keys,
so the benchmark drives both identically. Not part of the app; never imported by it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pydeck as pdk
import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geo import schema, store  # noqa: E402  (only to find the snapshot's files)

PAGES = {  # page -> (table, its "status" filter column, the widget key, the selection key, the id column)
    "overview": ("projects", "stage", "f_stage", "ov_none", "project_id"),
    "investment": ("projects", "stage", "f_stage", "inv_project", "project_id"),
    "land": ("parcels", "status", "f_status", "land_parcel", "parcel_id"),
    "energy": ("substations", "voltage_kv", "f_kv", "en_station", "station_id"),
}
# Tables a page maps besides its own, under the district filter only: our energy page maps every
# energy asset (substations, plants, transformer areas), so the typical app's energy page does too.
ALSO_MAPPED = {"energy": ("plants", "transformer_areas")}


@st.cache_resource
def load_all() -> dict[str, pd.DataFrame]:
    snapshot = store.open_current()
    return {name: (gpd.read_parquet if name in schema.GEO_TABLES else pd.read_parquet)(snapshot.table_path(name))
            for name in snapshot.tables}


tables = load_all()
page = st.sidebar.radio("page", list(PAGES), key="page",
                        index=list(PAGES).index(st.query_params.get("page", "overview")))
table, column, status_key, select_key, id_column = PAGES[page]
df = tables[table]
districts = st.sidebar.multiselect("district", sorted(tables["districts"]["adcode"]), key="f_district")
options = sorted(df[column].dropna().astype(str).unique())
statuses = st.sidebar.multiselect(column, options, key=status_key)

view = df
if districts:
    view = view[view["district_adcode"].isin(districts)]
if statuses:
    view = view[view[column].astype(str).isin(statuses)]

st.title(page)
cols = st.columns(3)
cols[0].metric("features", f"{len(view):,}")
numeric = view.select_dtypes("number").columns
if len(numeric):
    cols[1].metric(numeric[0], f"{view[numeric[0]].sum():,.1f}")
cols[2].metric("districts", view["district_adcode"].nunique())

mapped = [view] + [tables[name][tables[name]["district_adcode"].isin(districts)] if districts else tables[name]
                   for name in ALSO_MAPPED.get(page, ())]
layers = [pdk.Layer("GeoJsonLayer", frame.drop(columns=["bbox"], errors="ignore").__geo_interface__,
                    pickable=True, get_fill_color=[200, 30, 0, 120], get_point_radius=50) for frame in mapped]
st.pydeck_chart(pdk.Deck(layers=layers, initial_view_state=pdk.ViewState(latitude=27.3, longitude=113.4, zoom=8),
                         map_style=None), key="map", height=560)

selected = st.session_state.get(select_key)
if selected:
    st.dataframe(view[view[id_column] == selected].drop(columns=["geometry", "bbox"], errors="ignore"), key="details")

st.dataframe(view.drop(columns=["geometry", "bbox"], errors="ignore")
             .sort_values(numeric[0], ascending=False).head(50) if len(numeric) else view.head(50),
             key="top", hide_index=True)

if st.checkbox("download", key=f"{page}_dl_open"):
    st.write(f"{len(view):,} rows")
    st.download_button("CSV", view.drop(columns=["geometry", "bbox"], errors="ignore").to_csv(index=False),
                       file_name=f"{page}.csv", key="dl")
