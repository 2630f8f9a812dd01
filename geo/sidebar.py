"""The shared sidebar's filter widgets: drawn per page section, seeded from the URL once per
session, written back to the URL on every run, and turned into one ``Filters``.

Widget values are re-asserted before each draw (``keep``) because Streamlit drops a widget's
state when its label changes (language switch), when a section is not drawn on a page, and on
what it takes for a page change.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from geo import schema, store, url
from geo.boundaries import DISTRICTS
from geo.filters import (ALL_URL_KEYS, AREA_SWAPPED, DISPOSED_YEAR, INV_SWAPPED, NUMBER_LIMITS, SEARCH_CUT, SEARCH_MAX,
                         URL_PARAMS, YEAR, Filters, disposal_years, start_years)
from geo.i18n import list_separator, t
from geo.query import Scope


def keep(key: str, default, none_is_value: bool = False) -> None:
    """Give widget ``key`` its last known value before it is drawn.

    Streamlit clears widget state (and page query parameters) when it believes the page
    changed, which st.navigation apps trigger on a session's first runs; a copy under a
    non-widget key survives that, so filters and language are never silently reset.
    """
    if key in st.session_state and (none_is_value or st.session_state[key] is not None):
        value = st.session_state[key]
    else:
        value = st.session_state.get(f"_kept_{key}", default)
    st.session_state[key] = value


def remember(key: str) -> None:
    st.session_state[f"_kept_{key}"] = st.session_state.get(key)


# Sidebar list filters: widget key "f_<url key>" -> (Filters field, options, label key, section).
_LIST_SPECS = {"district": ("districts", "common"), "park": ("parks", "common"),
               "stage": ("stage", "projects"), "stalled": ("stalled_state", "projects"),
               "level": ("level", "projects"), "category": ("category", "projects"),
               "chain": ("industry_chain", "projects"), "status": ("parcel_status", "land"),
               "use": ("land_use", "land"), "disposal": ("disposal_method", "land"),
               "supply": ("supply_mode", "land"), "kv": ("voltage", "energy"),
               "asset": ("asset_status", "energy"), "load": ("load_band", "energy"),
               "kind": ("plant_kind", "energy")}
_LIST_WIDGETS = {f"f_{key}": (field, options, *_LIST_SPECS[key]) for key, (field, options) in URL_PARAMS.items()}
# Scalar filter widgets: widget key -> (Filters field, default).
_SCALAR_WIDGETS = {"f_inv_min": ("inv_min", None), "f_inv_max": ("inv_max", None),
                   "f_year": ("year", 0), "f_year_by": ("year_by", "actual"), "f_q": ("search", ""),
                   "f_area_min": ("area_min", None), "f_area_max": ("area_max", None),
                   "f_disposed_year": ("disposed_year", 0)}


def sidebar_filters(lang: str, snapshot: store.Snapshot, sections: tuple[str, ...], scope: Scope) -> Filters:
    if "_filters_from_url" not in st.session_state:  # the URL seeds the widgets once per session
        filters, notices = Filters.from_query_params(url.params(), _url_choices(snapshot, scope))
        _set_widgets(filters)
        st.session_state["_filters_from_url"] = True
        st.session_state["_url_notices"] = notices
    # Re-assert each filter's value before its widget is drawn: the widgets' labels change with
    # the language, Streamlit then sees new widgets and would drop the selection otherwise; and
    # a section's widgets are not drawn on every page.
    for key in _LIST_WIDGETS:
        keep(key, [])
    for key, (_, default) in _SCALAR_WIDGETS.items():
        keep(key, default, none_is_value=True)
    sidebar = st.sidebar
    drawn = ("common", *sections) if sections else ()  # a page without sections uses no filter
    if drawn:
        sidebar.subheader(t("filters", lang))
    for section in drawn:
        if section != "common":
            sidebar.caption(t(f"section_filters_{section}", lang))
        _draw_lists(sidebar, lang, section, snapshot, scope, sections)
        if section == "projects":
            _draw_project_scalars(sidebar, lang, snapshot.as_of.year)
        elif section == "land":
            _draw_land_scalars(sidebar, lang, snapshot.as_of.year)
    for key in (*_LIST_WIDGETS, *_SCALAR_WIDGETS):
        remember(key)
    filters = _filters_from_widgets(lang)
    if drawn:
        sidebar.button(t("clear_filters", lang), key="clear_filters", on_click=clear_filters,
                       disabled=filters.is_empty, width="stretch", icon=":material/filter_alt_off:")
    _write_url(filters)
    notices = st.session_state.get("_url_notices")
    if notices:
        _say_url_notices(notices, lang, snapshot.as_of.year)
        st.session_state["_url_notices"] = []
    return filters


def _url_choices(snapshot: store.Snapshot, scope: Scope) -> dict[str, tuple]:
    """The values a link's park and years may take: what the sidebar offers (``Filters.from_query_params``)."""
    return {"park": tuple(_park_names(snapshot.id, str(snapshot.path), scope)),
            YEAR: start_years(snapshot.as_of.year), DISPOSED_YEAR: disposal_years(snapshot.as_of.year)}


# Notices of a link's values that were used but changed, not ignored: each has its own text.
_CHANGED = {SEARCH_CUT: ("url_search_cut", {"n": SEARCH_MAX}), INV_SWAPPED: ("url_inv_swapped", {}),
            AREA_SWAPPED: ("url_area_swapped", {})}


def _say_url_notices(notices: list[str], lang: str, as_of_year: int) -> None:
    """What the link's filters lost (one notice; a year says which years there are) and what was
    changed (a notice each)."""
    years = {YEAR: start_years(as_of_year), DISPOSED_YEAR: disposal_years(as_of_year)}
    ignored = []
    for notice in notices:
        if notice in _CHANGED:
            continue
        key = notice.split("=", 1)[0]
        hint = t("url_choices", lang, first=years[key][0], last=years[key][-1]) if key in years else ""
        ignored.append(notice + hint)
    if ignored:
        url_notice(ignored, lang)
    for notice in notices:
        if notice in _CHANGED:
            text, values = _CHANGED[notice]
            say(t(text, lang, **values))


def url_notice(items: list[str], lang: str, text: str = "url_notice") -> None:
    """Say which parts of the link were ignored (filters, a page's view parameters, the language).

    Until closed: a four-second toast is gone before a page at 1 M parcels has drawn its map.
    In presentation mode ten seconds: a toast that stays would sit over the agenda's
    previous/next buttons through the next items, which the notice is not about."""
    say(t(text, lang, items=list_separator(lang).join(items)))


def say(notice: str) -> None:
    """A notice about the link, as ``url_notice`` shows it: until closed (in presentation mode ten seconds)."""
    from geo.present import presenting

    st.toast(notice, icon=":material/warning:", duration="long" if presenting() else "infinite")


def _draw_lists(sidebar, lang: str, section: str, snapshot: store.Snapshot, scope: Scope,
                sections: tuple[str, ...]) -> None:
    district_name = {code: names[0] if lang == "zh" else names[1] for code, names in DISTRICTS.items()}
    for key, (_, options, label, where) in _LIST_WIDGETS.items():
        if where != section:
            continue
        if key == "f_park" and not {"projects", "land"} & set(sections):
            # Parks are of projects and parcels: on the energy page the chip filtered nothing and
            # said nothing (tester 16). Kept, like any filter of a section not drawn here.
            continue
        # No "Select all": all districts (stages …) is no filter, and Streamlit words it in English.
        if key == "f_district":
            sidebar.multiselect(t(label, lang), options, key=key, format_func=district_name.get, select_all=False,
                                placeholder=t("all_districts", lang))
        elif key == "f_park":  # the chosen districts' parks (a park chosen before stays listed)
            districts = tuple(st.session_state.get("f_district") or ())
            parks = _park_names(snapshot.id, str(snapshot.path), scope, districts)
            chosen = st.session_state.get(key) or []
            sidebar.multiselect(t("park", lang), sorted(set(parks) | set(chosen)), key=key, select_all=False,
                                placeholder="—")
        elif key == "f_kv":
            sidebar.multiselect(t(label, lang), options, key=key, format_func=lambda v: f"{v} kV", select_all=False,
                                placeholder="—")
        else:
            sidebar.multiselect(t(label, lang), options, key=key, format_func=lambda v: schema.enum_label(v, lang),
                                select_all=False, placeholder="—")
        if key == "f_stalled":  # every stalled project in one click: picking eight states one by one had been the way (tester 7)
            sidebar.button(t("all_stalled", lang), key="f_stalled_all", type="tertiary", icon=":material/done_all:",
                           on_click=_choose_all, args=(key, options), disabled=len(st.session_state.get(key) or ()) == len(options))


def _choose_all(key: str, options) -> None:
    st.session_state[key] = list(options)


def _draw_project_scalars(sidebar, lang: str, as_of_year: int) -> None:
    # One above the other: side by side, "总投资下限（亿元）" broke inside "亿元" in a half-width column.
    sidebar.number_input(t("inv_min", lang), min_value=0.0, max_value=NUMBER_LIMITS["inv_min"], step=1.0, format="%.1f",
                         key="f_inv_min", placeholder="—")
    sidebar.number_input(t("inv_max", lang), min_value=0.0, max_value=NUMBER_LIMITS["inv_max"], step=1.0, format="%.1f",
                         key="f_inv_max", placeholder="—")
    by, year = sidebar.columns(2)
    by.selectbox(t("year_by", lang), ("actual", "planned"), key="f_year_by",
                 format_func=lambda v: t(f"year_by_{v}", lang))
    # 0 stands for "any year": a None option would show Streamlit's "Choose an option" placeholder
    year.selectbox(t("start_year", lang), [0, *start_years(as_of_year)], key="f_year",
                   format_func=lambda v: t("any", lang) if not v else str(v))
    sidebar.text_input(t("search", lang), key="f_q", placeholder=t("search_hint", lang), max_chars=SEARCH_MAX)


def _draw_land_scalars(sidebar, lang: str, as_of_year: int) -> None:
    low, high = sidebar.columns(2)
    low.number_input(t("area_min", lang), min_value=0.0, max_value=NUMBER_LIMITS["area_min"], step=10.0, format="%.1f",
                     key="f_area_min", placeholder="—")
    high.number_input(t("area_max", lang), min_value=0.0, max_value=NUMBER_LIMITS["area_max"], step=10.0, format="%.1f",
                      key="f_area_max", placeholder="—")
    sidebar.selectbox(t("disposed_year", lang), [0, *disposal_years(as_of_year)], key="f_disposed_year",
                      format_func=lambda v: t("any", lang) if not v else str(v))


def _park_names(snapshot_id: str, snapshot_path: str, scope: Scope, districts: tuple[str, ...] = ()) -> list[str]:
    """The parks of ``districts`` (all when none), sorted."""
    by_district = _parks_by_district(snapshot_id, snapshot_path, scope)
    codes = districts or tuple(by_district)
    return sorted({park for code in codes for park in by_district.get(code, ())})


@st.cache_data(show_spinner=False, max_entries=16)
def _parks_by_district(snapshot_id: str, snapshot_path: str, scope: Scope) -> dict[str, tuple[str, ...]]:
    """Each district's parks (of its parcels and projects), read once per snapshot: a query per
    district selection scanned 1 M parcels on every district change, ~25 ms at 1 M (profiled)."""
    from geo.query import query

    snapshot = store.get_snapshot(snapshot_id, Path(snapshot_path).parent.parent)
    df = query(snapshot, "SELECT DISTINCT district_adcode, park FROM {parcels} l WHERE park IS NOT NULL UNION "
                         "SELECT DISTINCT district_adcode, park FROM {projects} p WHERE park IS NOT NULL",
               {}, scope=scope).df
    return {str(code): tuple(group["park"].astype(str)) for code, group in df.groupby(df["district_adcode"].fillna(""))}


def _filters_from_widgets(lang: str) -> Filters:
    values = {field: tuple(st.session_state.get(key) or ()) for key, (field, *_) in _LIST_WIDGETS.items()}
    values.update({field: st.session_state.get(key, default) for key, (field, default) in _SCALAR_WIDGETS.items()})
    values["search"] = values["search"] or ""
    values["year"] = values["year"] or None
    values["disposed_year"] = values["disposed_year"] or None
    for low, high in (("inv_min", "inv_max"), ("area_min", "area_max")):
        if values[low] is not None and values[high] is not None and values[low] > values[high]:
            st.sidebar.warning(t("range_swapped", lang))
            values[low], values[high] = values[high], values[low]
    return Filters(**values)


def _set_widgets(filters: Filters) -> None:
    for key, (field, *_) in _LIST_WIDGETS.items():
        st.session_state[key] = list(getattr(filters, field))
    for key, (field, default) in _SCALAR_WIDGETS.items():
        value = getattr(filters, field)
        st.session_state[key] = default if value is None and default is not None else value


def clear_filters() -> None:
    _set_widgets(Filters())


def carried_params() -> dict[str, str]:
    """The URL parameters another page opens with: the shared filters and the language (a page's
    own views, a map's selection, stay behind)."""
    return {key: value for key, value in url.params().items() if key in (*ALL_URL_KEYS, "lang")}


def _write_url(filters: Filters) -> None:
    """The filters into the URL (sent with the run's other changes, ``geo.url``)."""
    written = filters.to_query_params()
    url.update({**dict.fromkeys(ALL_URL_KEYS), **written})
