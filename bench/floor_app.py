"""Streamlit's floor for a cold start (bench/scale_browser.py ``cold_starts("floor", ...)``): the
least a dashboard page with a map can be — a sidebar multiselect, a title, a metric, a three-row
table and a pydeck map of two points, no data store, nothing imported beyond what it draws.

Its cold start is what Streamlit and Chromium cost on this machine before any of the app's own
work; ours minus it is ours. Not part of the app; never imported by it.
"""

import pandas as pd
import pydeck as pdk
import streamlit as st

st.set_page_config(page_title="floor", layout="wide")
st.sidebar.multiselect("district", ["荷塘区", "芦淞区"], key="f_district")
st.title("floor")
st.metric("projects", "549 个")
st.dataframe(pd.DataFrame({"district": ["荷塘区", "芦淞区", "石峰区"], "projects": [1, 2, 3]}))
points = pd.DataFrame({"lon": [113.13, 113.16], "lat": [27.83, 27.86]})
st.pydeck_chart(pdk.Deck(
    layers=[pdk.Layer("ScatterplotLayer", points, get_position=["lon", "lat"], get_radius=500)],
    initial_view_state=pdk.ViewState(longitude=113.15, latitude=27.85, zoom=9), map_style=None))
