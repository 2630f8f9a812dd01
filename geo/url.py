"""The page's address (its query parameters): what a run changes in it goes to the browser once,
when the run is over.

Why: the browser adds a history entry for every change of the address the server sends
(Streamlit's ``pageInfoChanged`` → ``history.pushState``). The shared filters, a page's views, the
selected feature and the language are each written back by their own code on every run; written
as they came, a run that changed two of them left two entries, and Back showed the state in
between first (measured in Chromium: a link tidied, ``district=醴陵`` as 430281 and the default
``map=points`` dropped, pushed two entries; 清除全部 with a project open, two).

Code that keeps a value in the address uses ``get`` / ``set`` / ``params`` here; ``sent_at_end``
(around the whole run, in ``app.py``) sends the changes. Callbacks and the presentation's mode
changes (``geo.present``) still write ``st.query_params`` themselves: they run before the run's
own changes, which are applied over them.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import RerunException

from geo.agenda import PRESENTATION_PARAMS

_CHANGES = "_url_changes"  # key -> its new text, or None: removed
_USED = "_url_used"  # the keys this run read or wrote
_SENT = "_url_sent"  # the keys the last run sent
_NOTICED = "_url_unused_noticed"
_SEND_ANYWAY = "_url_send_anyway"
READ_ELSEWHERE = PRESENTATION_PARAMS  # read from st.query_params by geo.present


def _changes() -> dict[str, str | None]:
    return st.session_state.setdefault(_CHANGES, {})


def get(key: str, default: str | None = None) -> str | None:
    """The parameter's value as this run leaves it."""
    st.session_state.setdefault(_USED, builtins.set()).add(key)
    changes = _changes()
    if key in changes:
        value = changes[key]
        return default if value is None else value
    return st.query_params.get(key, default)


def params() -> dict[str, str]:
    """Every parameter, as this run leaves them."""
    merged = st.query_params.to_dict()
    for key, value in _changes().items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def set(key: str, value: str | None) -> None:  # noqa: A001  (the module's verb: url.set)
    """Change ``key`` to ``value`` (None or "" removes it) when the run is over."""
    st.session_state.setdefault(_USED, builtins.set()).add(key)
    _changes()[key] = value or None


def update(values: Mapping[str, str | None]) -> None:
    for key, value in values.items():
        set(key, value)


def send_anyway() -> None:
    """Send the address at the end of this run even if it did not change: a link to another item
    on the same page only gets its history entry once the server sends its parameters."""
    st.session_state[_SEND_ANYWAY] = True


def send() -> None:
    """The run's changes to the browser, in one change of the address (if there is one)."""
    wanted = params()
    discard()
    st.session_state[_SENT] = builtins.set(wanted)
    if st.session_state.pop(_SEND_ANYWAY, False) or wanted != st.query_params.to_dict():
        st.query_params.from_dict(wanted)


def discard() -> None:
    st.session_state.pop(_CHANGES, None)
    st.session_state.pop(_USED, None)


def drop_unused(say: Callable[[list[str]], None]) -> None:
    """Take out of the address what this run did not read: a parameter no page knows (``foo=1``)
    or one this view does not use (``metric=`` beside the points map). Said (``say``) once per
    session when it came with a link rather than from this app's own last run (a view changed
    from the district map back to the points leaves its ``metric=`` behind: dropped silently)."""
    used = {*st.session_state.get(_USED, ()), *READ_ELSEWHERE}
    unused = {key: value for key, value in params().items() if key not in used}
    if not unused:
        return
    noticed = st.session_state.setdefault(_NOTICED, builtins.set())
    foreign = [f"{key}={value[:40]}" for key, value in unused.items()
               if key not in st.session_state.get(_SENT, ()) and key not in noticed]
    noticed.update(unused)
    update(dict.fromkeys(unused))
    if foreign:
        say(foreign)


@contextmanager
def sent_at_end(say_unused: Callable[[list[str]], None]) -> Iterator[None]:
    """Around a whole run: its changes are sent when it ends, also by ``st.stop()`` or an error.
    A run cut short by a rerun or a page switch sends nothing: the switch carries its own
    parameters, and the next run writes the address again from the same state. Only a run that
    went to its end knows what it did not use (``drop_unused``)."""
    discard()  # a run that died before its end (an error in a callback) left its changes
    cut_short = False
    try:
        yield
        drop_unused(say_unused)
    except RerunException:
        cut_short = True
        raise
    finally:
        if cut_short:
            discard()
        else:
            send()
