"""The maps' JSON: compact and in UTF-8, with layers that stay the same encoded only once.

Why a module of its own: every map of every rerun goes through ``Deck.to_json``, and at 1 M
parcels encoding was one of the largest costs of a rerun (profiled, see README "Performance").
``frozen`` layers (cached ones: the district names under every map, a view's
projects at supply risk) and ``Encoded`` data (joined from pieces encoded once) are spliced into
the deck's JSON as text instead of being encoded again.
"""

from __future__ import annotations

import functools
import json
import secrets
import weakref

import pydeck as pdk
from pydeck.bindings import deck as _pydeck_deck
from pydeck.bindings.json_tools import default_serialize

# pydeck asks "is its Jupyter widget installed?" five times per Deck, each a failed import that
# searches sys.path again: ~1.7 ms per map per rerun (profiled). The answer cannot change while
# the server runs, so it is asked once.
_pydeck_deck.has_jupyter_extra = functools.lru_cache(maxsize=1)(_pydeck_deck.has_jupyter_extra)


def dumps(obj, default=default_serialize) -> str:
    return json.dumps(obj, sort_keys=True, default=default, separators=(",", ":"), ensure_ascii=False)


# Layers serialised once (``frozen``): the district names under every map are the
# same objects on every rerun (cached), and encoding them again cost 3–8 ms a map (profiled).
_FROZEN_JSON: weakref.WeakKeyDictionary[pdk.Layer, str] = weakref.WeakKeyDictionary()
_MARKER = f"frozen-layer-{secrets.token_hex(8)}"  # where a frozen layer goes; no data string is this


def frozen(layer: pdk.Layer) -> pdk.Layer:
    """Serialise ``layer`` now; every map that holds it then splices in this text. Only for
    layers nobody changes afterwards (the cached ones)."""
    _FROZEN_JSON[layer] = dumps(layer)
    return layer


class Encoded:
    """A value already encoded as JSON text (``Deck.to_json`` splices it in as is): layer data
    assembled from cached pieces costs a string join instead of an encoding per rerun."""

    __slots__ = ("json",)

    def __init__(self, json_text: str):
        self.json = json_text


class Deck(pdk.Deck):
    """A ``pdk.Deck`` whose JSON is compact. pydeck indents its JSON (``indent=2``), which makes
    ``json`` use its pure-Python encoder: ~120 ms per rerun for a 500 KB map at 1 M parcels (the
    largest single cost of a land-page rerun, profiled) and ~25 % more bytes to send; and it
    escapes every Chinese character as \\uXXXX (6 bytes instead of 3 in UTF-8). Same content,
    C encoder, no whitespace, UTF-8: the energy map at 100 k projects 2.07 MB -> 0.88 MB.
    Frozen layers and ``Encoded`` values are spliced in as text (same bytes as encoding them
    here: keys are sorted within each object either way)."""

    def to_json(self) -> str:
        spliced: dict[str, str] = {}

        def default(obj):
            if isinstance(obj, Encoded):
                text = obj.json
            else:
                text = _FROZEN_JSON.get(obj) if isinstance(obj, pdk.Layer) else None
            if text is None:
                return default_serialize(obj)
            marker = f"{_MARKER}-{len(spliced)}"
            spliced[dumps(marker)] = text
            return marker

        out = dumps(self, default)
        if not spliced:
            return out
        # One pass over the text (a replace per marker copied the whole ~1 MB text each time:
        # ~2 ms per energy-map rerun at 1 M parcels, profiled).
        parts, start, prefix = [], 0, dumps(_MARKER)[:-1] + "-"
        while (at := out.find(prefix, start)) >= 0:
            end = out.index('"', at + len(prefix)) + 1
            parts += (out[start:at], spliced[out[at:end]])
            start = end
        parts.append(out[start:])
        return "".join(parts)


_LAYERS: dict[tuple, list[pdk.Layer]] = {}


def cached_layers(key: tuple, build) -> list[pdk.Layer]:
    """``build()`` (a list of layers) once per key, each layer frozen (encoded once): for layers
    that stay the same across reruns, such as a view's projects at supply risk while the station
    filters change. Shared, so never to be changed; ``key`` must say everything they depend on."""
    found = _LAYERS.get(key)
    if found is None:
        if len(_LAYERS) > 256:  # districts × selections × languages, views; bound it anyway
            _LAYERS.clear()
        found = _LAYERS[key] = [frozen(layer) for layer in build()]
    return found
