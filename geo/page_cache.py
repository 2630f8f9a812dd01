"""The pages' data cache: a ``geo`` query function's result per snapshot, scope, filters and
arguments, kept for the process, so a rerun that changes nothing does not query again.

    figures = page_cache.cached(overview.project_figures, ctx)            # the page's filters
    supply = page_cache.cached(power_supply.project_supply, ctx, unfiltered=True)  # once per snapshot
    details = page_cache.cached_record(investment.project_details, ctx, project_id)
    view = page_cache.derived(ctx, ("supply_view", districts, km), lambda: power_supply.supply_view(by_district, filters))

Every call hands out a detached copy (``_detached``): what a page does to a result never
reaches the cache.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from geo.filters import Filters

if TYPE_CHECKING:
    from geo.ui import PageContext


def cached(function, ctx: PageContext, *args, unfiltered: bool = False, filters: Filters | None = None, **kwargs):
    """``function(snapshot, scope, filters, *args, **kwargs)`` through the per-snapshot data cache.

    ``unfiltered`` runs it with empty filters: store-wide facts computed once per snapshot;
    ``filters`` replaces the page's filters (e.g. only the district filter)."""
    chosen = Filters() if unfiltered else (ctx.filters if filters is None else filters)
    # The key is the repr of (function, snapshot id and path, scope, filters, args, kwargs): names and
    # frozen dataclasses of strings and numbers, so the repr is complete and deterministic. Streamlit's
    # own hashing of the objects walked them field by field, ~7 ms per page rerun (profiled); the
    # objects themselves go unhashed (``_call``).
    key = repr((function.__module__, function.__name__, ctx.snapshot.id, str(ctx.snapshot.path), ctx.scope, chosen,
                args, sorted(kwargs.items())))
    return _detached(_cached_call(key, (function, ctx.snapshot, ctx.scope, chosen, args, kwargs)))


# A resource cache hands out the stored object itself, where st.cache_data unpickles a copy on
# every hit: ~16 ms per energy-page rerun at 1 M parcels (its per-snapshot supply table has
# 57 k rows; profiled). Callers get ``_detached`` views instead, so nothing they do reaches
# the stored value. Two parameters: Streamlit inspects the function's signature once per
# parameter on every call (ten parameters: ~0.2 ms a call, eight calls a rerun; profiled), so
# everything that keys the entry is in ``key`` (function, snapshot id and path, scope, filters,
# arguments) and the objects themselves travel unhashed in ``_call``.
@st.cache_resource(show_spinner=False, max_entries=512)
def _cached_call(key: str, _call: tuple):
    function, snapshot, scope, filters, args, kwargs = _call
    return function(snapshot, scope, filters, *args, **kwargs)


_IMMUTABLE = (str, bytes, int, float, type(None))  # bool is an int


def _detached(value):
    """A copy of a cached result that shares its data but not its identity.

    With pandas' copy-on-write (pandas 3), a shallow copy of a frame costs microseconds and any
    change to it (a new column, a set value) copies the touched data first, leaving the cached
    frame as it was. Containers and dataclasses are rebuilt around detached members; strings,
    numbers and tuples of them are handed out as they are (nothing can change them). Walking the
    energy map's pre-encoded pieces (tuples of thousands of JSON strings) one by one cost ~6 ms
    a rerun at 1 M parcels (profiled)."""
    if isinstance(value, _IMMUTABLE):
        return value
    if type(value) is tuple and all(isinstance(v, _IMMUTABLE) for v in value):
        return value
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.copy(deep=False)
    if isinstance(value, dict):
        return {k: _detached(v) for k, v in value.items()}
    if isinstance(value, list | tuple) and not hasattr(value, "_fields"):
        return type(value)(_detached(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{f.name: _detached(getattr(value, f.name))
                                             for f in dataclasses.fields(value) if f.init})
    return value


def cached_record(function, ctx: PageContext, record_id: str):
    """``function(snapshot, scope, record_id)`` (a selected project's or parcel's details)
    through the data cache: a rerun that keeps the selection does not query again."""
    key = repr((function.__module__, function.__name__, ctx.snapshot.id, str(ctx.snapshot.path), ctx.scope,
                str(record_id)))
    return _detached(_cached_record(key, (function, ctx.snapshot, ctx.scope, str(record_id))))


@st.cache_resource(show_spinner=False, max_entries=256)
def _cached_record(key: str, _call: tuple):
    function, snapshot, scope, record_id = _call
    return function(snapshot, scope, record_id)


def derived(ctx: PageContext, key: tuple, build):
    """``build()`` once per snapshot, scope and ``key``: for figures derived from other cached
    results in the page (a view of the per-snapshot supply table). ``key`` must say everything
    ``build`` depends on besides the snapshot and scope (names, numbers, tuples of them)."""
    full = repr((ctx.snapshot.id, str(ctx.snapshot.path), ctx.scope, key))
    return _detached(_derived(full, build))


@st.cache_resource(show_spinner=False, max_entries=64)  # a view is up to ~1.3 MB (2,000 at-risk rows)
def _derived(key: str, _build):
    return _build()
