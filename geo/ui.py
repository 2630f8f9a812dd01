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
from geo.filters import URL_PARAMS, Filters
from geo.i18n import LANG_LABELS, LANGS, t
from geo.query import Scope

# The context app.py prepared for the script run in progress. Thread-local because Streamlit
# runs each session's script on its own thread; cleared by ``end_run`` so it never goes stale.
_this_run = threading.local()
# Sidebar filter widgets: key "f_<url key>" -> (Filters field, options, label text key).
_LABELS = {"district": "districts", "stage": "stage", "category": "category", "level": "level",
           "chain": "industry_chain"}
_FILTER_WIDGETS = {f"f_{key}": (field, options, _LABELS[key]) for key, (field, options) in URL_PARAMS.items()}


@dataclass(frozen=True)
class PageContext:
    snapshot: store.Snapshot
    lang: str
    filters: Filters
    scope: Scope


def page_context() -> PageContext:
    """The context app.py prepared for this run (pages call this first).

    A page run without app.py (AppTest reruns a multipage app's current page as the main
    script) prepares it here, so the shared sidebar is drawn either way, by the same code.
    """
    ctx = getattr(_this_run, "ctx", None)
    return ctx if ctx is not None else prepare()


def end_run() -> None:
    _this_run.ctx = None


def prepare() -> PageContext:
    """Check the store, read the URL once per session, draw the shared sidebar."""
    lang = _language()
    snapshot = _snapshot(lang)
    filters = _sidebar_filters(lang)
    ctx = PageContext(snapshot, lang, filters, user_scope())
    _this_run.ctx = ctx
    return ctx


def user_scope() -> Scope:
    """The districts the current user may see. Everyone sees all until access control lands;
    every query already takes this scope, so switching it on will not touch the pages."""
    return Scope.all()


def cached(function, ctx: PageContext, *args):
    """``function(snapshot, scope, filters, *args)`` through the per-snapshot data cache."""
    return _cached_call(function.__module__, function.__name__, ctx.snapshot.id, str(ctx.snapshot.path),
                        ctx.scope, ctx.filters, args)


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


def _keep(key: str, default) -> None:
    """Give widget ``key`` its last known value before it is drawn.

    Streamlit clears widget state (and page query parameters) when it believes the page
    changed, which st.navigation apps trigger on a session's first runs; a copy under a
    non-widget key survives that, so filters and language are never silently reset.
    """
    value = st.session_state.get(key)
    if value is None or key not in st.session_state:
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
        if st.button(t("store_use_last_good", lang, snapshot=good.id, date=good.as_of), type="primary",
                     key="use_last_good"):
            st.session_state["_snapshot_override"] = good.id
            st.rerun()
    else:
        st.info(t("store_no_good", lang))


# --- filters -------------------------------------------------------------------------------------


def _sidebar_filters(lang: str) -> Filters:
    if "_filters_from_url" not in st.session_state:  # the URL seeds the widgets once per session
        filters, notices = Filters.from_query_params(st.query_params.to_dict())
        _set_widgets(filters)
        st.session_state["_filters_from_url"] = True
        st.session_state["_url_notices"] = notices
    # Re-assert each filter's value before its widget is drawn: the widgets' labels change with
    # the language, Streamlit then sees new widgets and would drop the selection otherwise.
    for key in _FILTER_WIDGETS:
        _keep(key, [])
    sidebar = st.sidebar
    sidebar.subheader(t("filters", lang))
    district_name = {code: names[0] if lang == "zh" else names[1] for code, names in DISTRICTS.items()}
    for key, (_, options, label) in _FILTER_WIDGETS.items():
        is_district = key == "f_district"
        sidebar.multiselect(t(label, lang), options, key=key,
                            format_func=district_name.get if is_district else (lambda v: schema.enum_label(v, lang)),
                            placeholder=t("all_districts", lang) if is_district else "—")
        _remember(key)
    filters = Filters(**{field: tuple(st.session_state.get(key, ())) for key, (field, *_) in _FILTER_WIDGETS.items()})
    sidebar.button(t("clear_filters", lang), key="clear_filters", on_click=_clear_filters,
                   disabled=filters.is_empty, width="stretch")
    _write_url(filters)
    notices = st.session_state.get("_url_notices")
    if notices:
        st.toast(t("url_notice", lang, items="、".join(notices)), icon="⚠️")
        st.session_state["_url_notices"] = []
    return filters


def on_district_click(map_key: str, layer_id: str = "districts"):
    """An ``on_select`` callback: clicking a district narrows the shared district filter to it.

    It runs before the next script run, so it may set the sidebar widget's state.
    """

    def callback() -> None:
        state = st.session_state.get(map_key) or {}
        objects = (state.get("selection") or {}).get("objects", {}).get(layer_id, [])
        codes = [(o.get("properties") or o).get("adcode") for o in objects]
        codes = [c for c in codes if c in DISTRICTS]
        if codes:
            st.session_state["f_district"] = codes

    return callback


def _set_widgets(filters: Filters) -> None:
    for key, (field, *_) in _FILTER_WIDGETS.items():
        st.session_state[key] = list(getattr(filters, field))


def _clear_filters() -> None:
    _set_widgets(Filters())


def _write_url(filters: Filters) -> None:
    wanted = filters.to_query_params()
    for key in URL_PARAMS:
        if key in wanted:
            if st.query_params.get(key) != wanted[key]:
                st.query_params[key] = wanted[key]
        elif key in st.query_params:
            del st.query_params[key]
