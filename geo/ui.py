"""Streamlit glue shared by app.py and every page: store health, page context, page header and
panels, tables, charts, URL state (what a click selects: ``geo.picks``).

Pages stay thin: ``ctx = ui.page_context()`` gives the snapshot, language, filters and scope;
``page_cache.cached(fn, ctx)`` runs a ``geo`` query function through the per-process data cache.
"""

from __future__ import annotations

import gc
import threading
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import streamlit as st

from geo import charts, navigation, picks, present, snapshot_db, store, url
from geo.picks import forget
from geo.filters import Filters
from geo.sidebar import clear_filters, keep, remember, sidebar_filters, url_notice
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
    page: str = "overview"  # the page's url path


# Which sidebar filter sections each page shows (url_path -> sections); the district and park
# filters are always shown. Hidden filters still apply where their columns exist.
PAGE_SECTIONS = {"overview": ("projects",), "investment": ("projects",), "land": ("land",),
                 "energy": ("energy",), "meeting": ("projects",), "export": ("projects", "land", "energy"),
                 "data": ()}


# The tables whose figures each page shows: its caption names (and its "clear all" counts) only
# the filters that change them. A land filter set on the land page stays in the session and the
# URL, but on the energy page it changes nothing, so "筛选范围：批而未供" there would be wrong.
# The overview shows project, land and grid figures: every filter that applies to them counts.
PAGE_TABLES = {"overview": ("projects",), "investment": ("projects",), "meeting": ("projects",), "land": ("parcels",),
               "energy": ("substations", "plants", "transformer_areas")}


def page_context(page: str | None = None) -> PageContext:
    """The context app.py prepared for this run (pages call this first).

    A page run without app.py (the first run after a server start, see
    ``leave_pages_folder_mode``; or AppTest, which reruns a multipage app's current page as the
    main script) prepares it here, so the shared sidebar is drawn either way, by the same code.
    """
    ctx = getattr(_this_run, "ctx", None)
    if ctx is not None:
        return ctx
    navigation.leave_pages_folder_mode()
    return prepare(page)


def end_run() -> None:
    _this_run.ctx = None
    _this_run.lang = None
    _freeze_long_lived_objects()
    snapshot_db.first_page_over()  # the background warming may start (see geo.snapshot_db)


_frozen = threading.Event()


def _freeze_long_lived_objects() -> None:
    """After the process's first page: move every object alive now out of the collector's sight.

    That is ~130 k objects (the imported libraries, the snapshot's caches) which every full
    garbage collection walked again: a 60–75 ms pause about every tenth rerun, the slowest run
    of most interactions at 1 M parcels (measured with gc callbacks). Frozen, a full collection
    walks only what came later (~20–30 k objects). They live as long as the process anyway;
    reference counting still frees them if they are dropped (only cycles among them stay)."""
    if not _frozen.is_set():
        _frozen.set()
        gc.freeze()


def language() -> str:
    """The UI language (drawn as the sidebar's first control; app.py needs it for page titles)."""
    if getattr(_this_run, "lang", None) is None:
        _this_run.lang = _language()
    return _this_run.lang


def prepare(page: str | None = None) -> PageContext:
    """Check the store, read the URL once per session, draw the shared sidebar for ``page``."""
    lang = language()
    snapshot = _snapshot(lang)
    present.follow(store_dir(snapshot), lang)  # an agenda link to an item it does not have: the nearest
    present.say_unread_value(lang)
    filters = sidebar_filters(lang, snapshot, PAGE_SECTIONS.get(page or "", ("projects",)), user_scope())
    ctx = PageContext(snapshot, lang, filters, user_scope(), page or "overview")
    _this_run.ctx = ctx
    if present.presenting():
        present.agenda_bar(store_dir(snapshot), lang, page or "overview")
    return ctx


def store_dir(snapshot: store.Snapshot):
    """The store a snapshot belongs to (agendas and new snapshots go there)."""
    return snapshot.path.parent.parent


def user_scope() -> Scope:
    """The districts the current user may see. Everyone sees all until access control lands;
    every query already takes this scope, so switching it on will not touch the pages."""
    return Scope.all()


# --- language ------------------------------------------------------------------------------------


def _language() -> str:
    from_url = url.get("lang", "zh")
    if from_url not in LANG_LABELS and "_lang_noticed" not in st.session_state:  # ?lang=xx: said once
        st.session_state["_lang_noticed"] = True
        url_notice([f"lang={from_url[:40]}"], "zh")
    if present.history_navigation():  # Back / Forward: the entry's language, not the session's
        st.session_state["lang"] = LANG_LABELS.get(from_url, LANG_LABELS["zh"])
    keep("lang", LANG_LABELS.get(from_url, LANG_LABELS["zh"]))
    label = st.sidebar.segmented_control(
        "语言 / Language", list(LANG_LABELS.values()), key="lang", label_visibility="collapsed")
    remember("lang")
    lang = next((code for code, text in LANG_LABELS.items() if text == label), "zh")
    url.set("lang", None if lang == "zh" else lang)
    return lang if lang in LANGS else "zh"


# --- store ---------------------------------------------------------------------------------------


def _snapshot(lang: str) -> store.Snapshot:
    """The published snapshot; builds the demo on first run; explains and offers a fallback
    when the store is broken instead of failing with a traceback."""
    override = st.session_state.get("_snapshot_override")
    try:
        current = store.open_current()
    except store.NoStoreError:
        return _build_demo_store(lang)
    except store.SnapshotUnavailableError as problem:
        if override:  # still broken: the chosen fallback, and a banner saying it is one
            try:
                fallback = store.get_snapshot(override)
            except store.StoreError:  # the fallback itself is gone (pruned, deleted): ask again
                del st.session_state["_snapshot_override"]
            else:
                st.warning(t("store_on_last_good", lang, snapshot=override, problem=str(problem)))
                return fallback
        _explain_store_problem(problem, lang)
        st.stop()
    if override:  # repaired: the tab had stayed on the old snapshot for good (exploratory tester 6)
        del st.session_state["_snapshot_override"]
        st.toast(t("store_repaired", lang, snapshot=current.id))
    return current


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


def page_header(ctx: PageContext, title_key: str, selection_key: str, key_prefix: str,
                notes: tuple[str, ...] = (), view_title: str | None = None) -> None:
    """Title, a visible "clear all" (filters and the page's selection) and the caption saying
    what is shown: the filters, the data's as-of date and snapshot, and any ``notes``.
    ``view_title``: what an agenda item of this view is called by default (the page's title)."""
    lang = ctx.lang
    filters = ctx.filters.only_for(*PAGE_TABLES[ctx.page]) if ctx.page in PAGE_TABLES else ctx.filters
    head, keep_view, show, clear = st.columns([3, 1, 1, 1], vertical_alignment="bottom")
    head.title(t(title_key, lang))
    if not present.presenting():
        with keep_view:
            from geo.agenda_view import add_view_popover

            add_view_popover(ctx, view_title or t(title_key, lang), key_prefix)
    with show:
        present.present_button(lang, key_prefix)
    clear.button(t("clear_view", lang), key=f"{key_prefix}_clear", on_click=clear_all, args=((selection_key,),),
                 disabled=filters.is_empty and not st.session_state.get(selection_key),
                 icon=":material/restart_alt:", width="stretch")
    scope = t("scope_filtered", lang, what=filters.describe(lang)) if not filters.is_empty else t("scope_city", lang)
    as_of = t("as_of", lang, date=ctx.snapshot.as_of, snapshot=ctx.snapshot.id)
    st.caption(" · ".join(filter(None, [scope, as_of, *notes])))


MISSING = "—"  # a missing value in a table, as fmt_number writes it


ROW_PX = 35  # a table's row (and header) height at Streamlit's 16-px root


def fitted_height(rows: int, max_height: int) -> int:
    """The height (px) that shows a header and ``rows`` rows without a scrollbar, at most
    ``max_height`` (both at normal type). Rows are sized in rem, so presentation mode's larger
    root makes them ~46 px: a height fixed in px there cut the overview's scoreboard to 7 of
    its 10 rows."""
    return round(min(max_height, 3 + ROW_PX * (rows + 1)) * present.rem_scale())


def table(data, lang: str, empty_key: str = "no_rows", *, where=None, max_height: int | None = None,
          projector_columns: tuple[str, ...] = (), projector_widths: dict[str, int] | None = None, **kwargs):
    """``st.dataframe`` as every page shows one: missing values (None, NaN, NaT, pd.NA) as "—",
    not Streamlit's grey "None"; and a table without rows replaced by a caption in the page
    language (``t(empty_key)``), not Streamlit's English "empty" grid. ``data`` is a DataFrame,
    a Styler, a dict of columns or an Arrow table (``arrow_table``); ``where`` is the container
    (default ``st``); with ``max_height`` (px at normal type) the table is as tall as its rows,
    up to that, in presentation mode too (``fitted_height``); without it Streamlit shows up to
    ten rows. ``projector_columns``: the columns a projector shows (presentation mode), said under
    the table, and ``projector_widths`` (px) for some of them: at 21-px type a wide table's last
    columns and its names were cut off at 1366 px.
    Returns what ``st.dataframe`` returns, or None when there was nothing to show."""
    if isinstance(data, pa.Table):
        rows = data.num_rows
    else:
        frame = data if isinstance(data, (pd.DataFrame, dict)) else data.data  # a Styler holds its frame
        rows = len(next(iter(frame.values()), ())) if isinstance(frame, dict) else len(frame)
    where = st if where is None else where
    if rows == 0:
        where.caption(t(empty_key, lang))
        return None
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    if max_height is not None:
        kwargs["height"] = fitted_height(rows, max_height)
    if projector_columns and present.presenting():
        kwargs["column_order"] = projector_columns
        config = dict(kwargs.get("column_config") or {})
        for name, width in (projector_widths or {}).items():
            config[name] = {**config.get(name, {}), "width": width}
        kwargs["column_config"] = config
        shown = where.dataframe(data, placeholder=MISSING, **kwargs)
        where.caption(t("projector_columns_note", lang))
        return shown
    return where.dataframe(data, placeholder=MISSING, **kwargs)


def arrow_table(frame: pd.DataFrame) -> pa.Table:
    """``frame`` as the Arrow table ``st.dataframe`` sends, for a table kept in the page cache.

    Streamlit converts a DataFrame to Arrow on every rerun: ~2 ms for the energy page's
    2,000-row station list at 1 M parcels, against 0.05 ms for an Arrow table (measured).
    Converted once where the table is cached, a rerun only serialises it."""
    return pa.Table.from_pandas(frame, preserve_index=False)


def rows_with(table: pa.Table, column: str, values) -> pa.Table:
    """The rows of ``table`` whose ``column`` is among ``values``, in the table's order: a view of a
    table formatted once for the whole store (``arrow_table``) without formatting its rows again."""
    return table.filter(pc.is_in(table[column], value_set=pa.array(list(values), type=table.schema.field(column).type)))


def clickable_map(deck, map_name: str, height: int, **pick) -> None:
    """A map whose click picks a district or, with ``project_key`` (``pick``), a feature
    (``picks.map_pick``), inside a container named ``map_name``: the map's own key changes when it
    is drawn anew with nothing picked, the container's stays (tests, styles)."""
    with st.container(key=map_name):
        st.pydeck_chart(deck, selection_mode="single-object", height=height, **picks.map_pick(map_name, **pick))


def chart(spec: dict, *, where=None, **kwargs):
    """``st.vega_lite_chart`` as every page draws one: in presentation mode with type sized for a
    projector (``charts.for_projector``). ``where`` is the container (default ``st``)."""
    where = st if where is None else where
    return where.vega_lite_chart(spec=charts.for_projector(spec) if present.presenting() else spec, **kwargs)


def panel_title(title: str, selection_key: str, lang: str, outside_filters: bool = False) -> None:
    """The selected feature's panel title, with a close button that drops the selection; with
    ``outside_filters`` (``query.matches`` said no), a note that the filters leave it out."""
    head, close = st.columns([6, 1], vertical_alignment="center")
    head.subheader(title, anchor=False)
    close.button(t("close", lang), key=f"{selection_key}_close", on_click=forget, args=(selection_key,),
                 icon=":material/close:")
    if outside_filters:
        st.caption(t("selection_outside_filters", lang))


def clear_all(extra_keys: tuple[str, ...] = ()) -> None:
    """Callback: every shared filter back to its default, and page-level selections too."""
    clear_filters()
    for key in extra_keys:
        st.session_state[key] = None


def url_value(key: str, session_key: str) -> str | None:
    """A page-level value (e.g. the selected project) seeded from the URL once per session and
    written back on every run, so links reproduce it."""
    if f"_url_seeded_{session_key}" not in st.session_state:
        st.session_state[f"_url_seeded_{session_key}"] = True
        st.session_state.setdefault(session_key, url.get(key))
    value = st.session_state.get(session_key)
    url.set(key, value)
    return value or None


def unknown_selection(param: str, message: str) -> None:
    """The selected feature (``?param=<id>``) is not in the data or out of scope: say so
    (``message``), and leave it out of the address, so a copied link does not pass it on. The
    selection stays in the session, and with it the message, until another is picked or the
    view cleared; called on every run that draws the selection's panel."""
    st.warning(message)
    url.set(param, None)


def url_state(param: str, key: str, allowed, default, multi: bool = False):
    """A page widget's value kept in the URL (``?param=...``), so a link reproduces the view.

    Call before drawing the widget with ``key`` (and no ``default=``): the URL seeds it once per
    session (values not in ``allowed``, a tuple, are ignored; or ``allowed`` parses the text and
    returns None to ignore it), its value survives label changes (language)
    like the sidebar's, and the current value is written back; the default is left out of the URL.
    """
    parse = allowed if callable(allowed) else {str(v): v for v in allowed}.get
    # A value still at a default that has since changed follows the new default (the changes
    # view's baseline after an import moved the data: review); a value someone chose stays.
    state, previous = st.session_state, st.session_state.get(f"_default_{key}")
    if previous is not None and previous != default and \
            state.get(key, state.get(f"_kept_{key}", previous)) == previous:
        state.pop(key, None)
        state.pop(f"_kept_{key}", None)
    state[f"_default_{key}"] = default
    if f"_url_seeded_{key}" not in st.session_state:
        st.session_state[f"_url_seeded_{key}"] = True
        raw = url.get(param)
        if raw is not None:
            picked = [parse(v) for v in raw.split(",") if parse(v) is not None] if multi else parse(raw)
            if picked or picked == []:
                st.session_state[f"_kept_{key}"] = picked
            bad = [v for v in raw.split(",") if v and parse(v) is None] if multi else \
                ([] if picked is not None or not raw else [raw])
            if bad:  # said, as the sidebar says it of filters it cannot read (geo.sidebar)
                url_notice([f"{param}={v[:40]}" for v in bad], language())
    keep(key, default)
    value = st.session_state[key]
    text = ",".join(str(v) for v in value) if multi else ("" if value is None else str(value))
    default_text = ",".join(str(v) for v in default) if multi else str(default)
    url.set(param, None if text == default_text else text)
    remember(key)
    return value
