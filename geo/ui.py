"""Streamlit glue shared by app.py and every page: store health, sidebar, URL state, caching.

Pages stay thin: ``ctx = ui.page_context()`` gives the snapshot, language, filters and scope;
``ui.cached(fn, ctx)`` runs a ``geo`` query function through ``st.cache_data`` keyed by
(snapshot, scope, filters), so a rerun that changes nothing does not query again.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import streamlit as st

from geo import schema, store
from geo.boundaries import DISTRICTS
from geo.filters import ALL_URL_KEYS, URL_PARAMS, Filters
from geo.i18n import LANG_LABELS, LANGS, t
from geo.query import Scope

# The context app.py prepared for the script run in progress. Thread-local because Streamlit
# runs each session's script on its own thread; cleared by ``end_run`` so it never goes stale.
_this_run = threading.local()


@dataclass(frozen=True)
class PageContext:
    snapshot: store.Snapshot
    lang: str
    filters: Filters
    scope: Scope


# Which sidebar filter sections each page shows (url_path -> sections); the district and park
# filters are always shown. Hidden filters still apply where their columns exist.
PAGE_SECTIONS = {"overview": ("projects",), "investment": ("projects",), "land": ("land",),
                 "export": ("projects", "land")}


def page_context(page: str | None = None) -> PageContext:
    """The context app.py prepared for this run (pages call this first).

    A page run without app.py (the first run after a server start, see
    ``leave_pages_folder_mode``; or AppTest, which reruns a multipage app's current page as the
    main script) prepares it here, so the shared sidebar is drawn either way, by the same code.
    """
    ctx = getattr(_this_run, "ctx", None)
    if ctx is not None:
        return ctx
    leave_pages_folder_mode()
    return prepare(page)


def leave_pages_folder_mode() -> None:
    """Rerun through app.py if Streamlit ran this script the old ``pages/``-folder way.

    Until the first ``st.navigation`` call of a server process, Streamlit 1.67 assumes a
    ``pages/`` folder means folder-based pages: the very first run then skips app.py (a direct
    link to /investment) or nests app.py inside a generated menu, and the next run counts as
    a page change that drops the user's first click. Switching the flag and rerunning at once
    makes even the first run of a fresh server go through app.py's ``st.navigation``.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def end_run() -> None:
    _this_run.ctx = None
    _this_run.lang = None


def language() -> str:
    """The UI language (drawn as the sidebar's first control; app.py needs it for page titles)."""
    if getattr(_this_run, "lang", None) is None:
        _this_run.lang = _language()
    return _this_run.lang


def prepare(page: str | None = None) -> PageContext:
    """Check the store, read the URL once per session, draw the shared sidebar for ``page``."""
    lang = language()
    snapshot = _snapshot(lang)
    filters = _sidebar_filters(lang, snapshot, PAGE_SECTIONS.get(page or "", ("projects",)))
    ctx = PageContext(snapshot, lang, filters, user_scope())
    _this_run.ctx = ctx
    return ctx


def user_scope() -> Scope:
    """The districts the current user may see. Everyone sees all until access control lands;
    every query already takes this scope, so switching it on will not touch the pages."""
    return Scope.all()


def cached(function, ctx: PageContext, *args, unfiltered: bool = False):
    """``function(snapshot, scope, filters, *args)`` through the per-snapshot data cache.

    ``unfiltered`` runs it with empty filters: store-wide facts computed once per snapshot."""
    return _cached_call(function.__module__, function.__name__, ctx.snapshot.id, str(ctx.snapshot.path),
                        ctx.scope, Filters() if unfiltered else ctx.filters, args)


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_call(module: str, name: str, snapshot_id: str, snapshot_path: str, scope: Scope,
                 filters: Filters, args: tuple):
    import importlib

    snapshot = store.get_snapshot(snapshot_id, _store_dir_of(snapshot_path))
    return getattr(importlib.import_module(module), name)(snapshot, scope, filters, *args)


def _store_dir_of(snapshot_path: str):
    from pathlib import Path

    return Path(snapshot_path).parent.parent


# --- language ------------------------------------------------------------------------------------


def _keep(key: str, default, none_is_value: bool = False) -> None:
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


def _remember(key: str) -> None:
    st.session_state[f"_kept_{key}"] = st.session_state.get(key)


def _language() -> str:
    from_url = st.query_params.get("lang", "zh")
    _keep("lang", LANG_LABELS.get(from_url, LANG_LABELS["zh"]))
    label = st.sidebar.segmented_control(
        "语言 / Language", list(LANG_LABELS.values()), key="lang", label_visibility="collapsed")
    _remember("lang")
    lang = next((code for code, text in LANG_LABELS.items() if text == label), "zh")
    if lang == "zh":
        st.query_params.pop("lang", None)
    else:
        st.query_params["lang"] = lang
    return lang if lang in LANGS else "zh"


# --- store ---------------------------------------------------------------------------------------


def _snapshot(lang: str) -> store.Snapshot:
    """The published snapshot; builds the demo on first run; explains and offers a fallback
    when the store is broken instead of failing with a traceback."""
    override = st.session_state.get("_snapshot_override")
    if override:
        return store.get_snapshot(override)
    try:
        return store.open_current()
    except store.NoStoreError:
        return _build_demo_store(lang)
    except store.SnapshotUnavailableError as problem:
        _explain_store_problem(problem, lang)
        st.stop()


def _build_demo_store(lang: str) -> store.Snapshot:
    from geo.demo.build import AS_OF, DEFAULT_SEED, build_demo

    with st.status(t("store_building", lang), expanded=True) as status:
        tables = build_demo(progress=lambda step: status.write(f"… {step}"))
        snapshot = store.write_snapshot(tables, as_of=AS_OF, published_by="app (first run)",
                                        sources=[f"geo.demo seed={DEFAULT_SEED}"], note="calibrated demo")
        status.update(label=t("store_built", lang, snapshot=snapshot.id), state="complete", expanded=False)
    return snapshot


def _explain_store_problem(problem: store.SnapshotUnavailableError, lang: str) -> None:
    st.error(t("store_problem", lang, problem=str(problem)))
    good = getattr(problem, "last_good", None)
    if good is not None:
        # A callback, not ``if st.button(...)``: it survives the extra rerun of a first run.
        st.button(t("store_use_last_good", lang, snapshot=good.id, date=good.as_of), type="primary",
                  key="use_last_good", on_click=st.session_state.__setitem__,
                  args=("_snapshot_override", good.id))
    else:
        st.info(t("store_no_good", lang))


# --- filters -------------------------------------------------------------------------------------

# Sidebar list filters: widget key "f_<url key>" -> (Filters field, options, label key, section).
_LIST_SPECS = {"district": ("districts", "common"), "park": ("parks", "common"),
               "stage": ("stage", "projects"), "stalled": ("stalled_state", "projects"),
               "level": ("level", "projects"), "category": ("category", "projects"),
               "chain": ("industry_chain", "projects"), "status": ("parcel_status", "land"),
               "use": ("land_use", "land"), "disposal": ("disposal_method", "land"),
               "supply": ("supply_mode", "land")}
_LIST_WIDGETS = {f"f_{key}": (field, options, *_LIST_SPECS[key]) for key, (field, options) in URL_PARAMS.items()}
# Scalar filter widgets: widget key -> (Filters field, default).
_SCALAR_WIDGETS = {"f_inv_min": ("inv_min", None), "f_inv_max": ("inv_max", None),
                   "f_year": ("year", 0), "f_year_by": ("year_by", "actual"), "f_q": ("search", ""),
                   "f_area_min": ("area_min", None), "f_area_max": ("area_max", None),
                   "f_disposed_year": ("disposed_year", 0)}


def _sidebar_filters(lang: str, snapshot: store.Snapshot, sections: tuple[str, ...]) -> Filters:
    if "_filters_from_url" not in st.session_state:  # the URL seeds the widgets once per session
        filters, notices = Filters.from_query_params(st.query_params.to_dict())
        _set_widgets(filters)
        st.session_state["_filters_from_url"] = True
        st.session_state["_url_notices"] = notices
    # Re-assert each filter's value before its widget is drawn: the widgets' labels change with
    # the language, Streamlit then sees new widgets and would drop the selection otherwise; and
    # a section's widgets are not drawn on every page.
    for key in _LIST_WIDGETS:
        _keep(key, [])
    for key, (_, default) in _SCALAR_WIDGETS.items():
        _keep(key, default, none_is_value=True)
    sidebar = st.sidebar
    sidebar.subheader(t("filters", lang))
    for section in ("common", *sections):
        if section != "common":
            sidebar.caption(t(f"section_filters_{section}", lang))
        _draw_lists(sidebar, lang, section, snapshot)
        if section == "projects":
            _draw_project_scalars(sidebar, lang, snapshot.as_of.year)
        elif section == "land":
            _draw_land_scalars(sidebar, lang, snapshot.as_of.year)
    for key in (*_LIST_WIDGETS, *_SCALAR_WIDGETS):
        _remember(key)
    filters = _filters_from_widgets(lang)
    sidebar.button(t("clear_filters", lang), key="clear_filters", on_click=_clear_filters,
                   disabled=filters.is_empty, width="stretch", icon=":material/filter_alt_off:")
    _write_url(filters)
    notices = st.session_state.get("_url_notices")
    if notices:
        st.toast(t("url_notice", lang, items="、".join(notices)), icon="⚠️")
        st.session_state["_url_notices"] = []
    return filters


def _draw_lists(sidebar, lang: str, section: str, snapshot: store.Snapshot) -> None:
    district_name = {code: names[0] if lang == "zh" else names[1] for code, names in DISTRICTS.items()}
    for key, (_, options, label, where) in _LIST_WIDGETS.items():
        if where != section:
            continue
        if key == "f_district":
            sidebar.multiselect(t(label, lang), options, key=key, format_func=district_name.get,
                                placeholder=t("all_districts", lang))
        elif key == "f_park":
            parks = _park_names(snapshot.id, str(snapshot.path))
            chosen = st.session_state.get(key) or []
            sidebar.multiselect(t("park", lang), sorted(set(parks) | set(chosen)), key=key, placeholder="—")
        else:
            sidebar.multiselect(t(label, lang), options, key=key, format_func=lambda v: schema.enum_label(v, lang),
                                placeholder="—")


def _draw_project_scalars(sidebar, lang: str, as_of_year: int) -> None:
    low, high = sidebar.columns(2)
    low.number_input(t("inv_min", lang), min_value=0.0, step=1.0, format="%.1f", key="f_inv_min", placeholder="—")
    high.number_input(t("inv_max", lang), min_value=0.0, step=1.0, format="%.1f", key="f_inv_max", placeholder="—")
    by, year = sidebar.columns(2)
    by.selectbox(t("year_by", lang), ("actual", "planned"), key="f_year_by",
                 format_func=lambda v: t(f"year_by_{v}", lang))
    # 0 stands for "any year": a None option would show Streamlit's "Choose an option" placeholder
    year.selectbox(t("start_year", lang), [0, *range(as_of_year - 4, as_of_year + 2)], key="f_year",
                   format_func=lambda v: t("any", lang) if not v else str(v))
    sidebar.text_input(t("search", lang), key="f_q", placeholder=t("search_hint", lang), max_chars=100)


def _draw_land_scalars(sidebar, lang: str, as_of_year: int) -> None:
    low, high = sidebar.columns(2)
    low.number_input(t("area_min", lang), min_value=0.0, step=10.0, format="%.0f", key="f_area_min", placeholder="—")
    high.number_input(t("area_max", lang), min_value=0.0, step=10.0, format="%.0f", key="f_area_max", placeholder="—")
    sidebar.selectbox(t("disposed_year", lang), [0, *range(as_of_year - 4, as_of_year + 1)], key="f_disposed_year",
                      format_func=lambda v: t("any", lang) if not v else str(v))


@st.cache_data(show_spinner=False, max_entries=16)
def _park_names(snapshot_id: str, snapshot_path: str) -> list[str]:
    from geo.query import query

    snapshot = store.get_snapshot(snapshot_id, _store_dir_of(snapshot_path))
    df = query(snapshot, "SELECT DISTINCT park FROM {parcels} l WHERE park IS NOT NULL UNION "
                         "SELECT DISTINCT park FROM {projects} p WHERE park IS NOT NULL", scope=user_scope()).df
    return sorted(df["park"].astype(str))


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


def on_district_click(map_key: str, layer_id: str = "districts", project_key: str | None = None,
                      pick_layer: str = "projects", pick_field: str = "project_id"):
    """An ``on_select`` callback for maps: a click on a district narrows the shared district
    filter to it; with ``project_key``, a click on a feature of a layer whose id starts with
    ``pick_layer`` (projects are one layer per stage: "projects-<n>") selects that feature: its
    ``pick_field`` goes to ``project_key``.

    Callbacks run before the next script run, so they may set the sidebar widgets' state.
    """

    def callback() -> None:
        state = st.session_state.get(map_key) or {}
        objects = (state.get("selection") or {}).get("objects", {})
        if project_key:
            picked = [(o.get("properties") or o).get(pick_field) for layer, objs in objects.items()
                      if layer.startswith(pick_layer) for o in objs]
            if picked and picked[0]:
                st.session_state[project_key] = picked[0]
                return
        codes = [(o.get("properties") or o).get("adcode") for o in objects.get(layer_id, [])]
        codes = [c for c in codes if c in DISTRICTS]
        if codes:
            st.session_state["f_district"] = codes

    return callback


def on_chart_pick(chart_key: str, field: str, widget_key: str):
    """An ``on_select`` callback for charts from ``geo.charts``: the clicked bar's ``field``
    value becomes the shared filter ``widget_key`` (e.g. a stage bar -> the stage filter)."""
    from geo.charts import PICK

    def callback() -> None:
        state = st.session_state.get(chart_key) or {}
        picks = (state.get("selection") or {}).get(PICK) or []
        values = [p.get(field) for p in picks if p.get(field) is not None]
        if values:
            st.session_state[widget_key] = values

    return callback


def page_header(ctx: PageContext, title_key: str, selection_key: str, key_prefix: str,
                notes: tuple[str, ...] = ()) -> None:
    """Title, a visible "clear all" (filters and the page's selection) and the caption saying
    what is shown: the filters, the data's as-of date and snapshot, and any ``notes``."""
    lang, filters = ctx.lang, ctx.filters
    head, clear = st.columns([5, 1], vertical_alignment="bottom")
    head.title(t(title_key, lang))
    clear.button(t("clear_view", lang), key=f"{key_prefix}_clear", on_click=clear_all, args=((selection_key,),),
                 disabled=filters.is_empty and not st.session_state.get(selection_key),
                 icon=":material/restart_alt:", width="stretch")
    scope = t("scope_filtered", lang, what=filters.describe(lang)) if not filters.is_empty else t("scope_city", lang)
    as_of = t("as_of", lang, date=ctx.snapshot.as_of, snapshot=ctx.snapshot.id)
    st.caption(" · ".join(filter(None, [scope, as_of, *notes])))


def on_row_pick(table_key: str, ids: list[str], target_key: str):
    """An ``on_select`` callback for a table: the picked row's id goes to ``target_key``."""

    def callback() -> None:
        state = st.session_state.get(table_key) or {}
        rows = (state.get("selection") or {}).get("rows") or []
        if rows and rows[0] < len(ids):
            st.session_state[target_key] = ids[rows[0]]

    return callback


def forget(key: str) -> None:
    """Callback: drop a page-level selection (e.g. close the selected project)."""
    st.session_state[key] = None


def clear_all(extra_keys: tuple[str, ...] = ()) -> None:
    """Callback: every shared filter back to its default, and page-level selections too."""
    _clear_filters()
    for key in extra_keys:
        st.session_state[key] = None


def url_value(key: str, session_key: str) -> str | None:
    """A page-level value (e.g. the selected project) seeded from the URL once per session and
    written back on every run, so links reproduce it."""
    if f"_url_seeded_{session_key}" not in st.session_state:
        st.session_state[f"_url_seeded_{session_key}"] = True
        st.session_state.setdefault(session_key, st.query_params.get(key))
    value = st.session_state.get(session_key)
    if value:
        if st.query_params.get(key) != value:
            st.query_params[key] = value
    elif key in st.query_params:
        del st.query_params[key]
    return value or None


def _set_widgets(filters: Filters) -> None:
    for key, (field, *_) in _LIST_WIDGETS.items():
        st.session_state[key] = list(getattr(filters, field))
    for key, (field, default) in _SCALAR_WIDGETS.items():
        value = getattr(filters, field)
        st.session_state[key] = default if value is None and default is not None else value


def _clear_filters() -> None:
    _set_widgets(Filters())


def _write_url(filters: Filters) -> None:
    wanted = filters.to_query_params()
    for key in ALL_URL_KEYS:
        if key in wanted:
            if st.query_params.get(key) != wanted[key]:
                st.query_params[key] = wanted[key]
        elif key in st.query_params:
            del st.query_params[key]
