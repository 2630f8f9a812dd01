"""Dispatch-meeting agendas (调度会议程): ordered lists of saved views, each one a link.

An agenda item is a page and its URL parameters ("醴陵 — 在建项目" = investment page with
district=430281&stage=在建), so stepping through an agenda opens exactly the views prepared
before the meeting, and every item can be shared as an ordinary link. Agendas are meeting
settings, not data: they live beside the snapshots in ``<store>/agendas/<id>.json`` (written
to a temporary file and renamed, so a reader never sees half a file), not inside a snapshot.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from geo.store_layout import store_root

PAGES = ("overview", "investment", "land", "energy", "meeting", "export")
TITLE_MAX = 60
ITEMS_MAX = 40
PARAM_MAX = 500  # characters of one parameter value
# Parameters that belong to the presentation itself, never to an item's view.
# ``ik``: the item's view (``Item.key``) an item link was made for.
PRESENTATION_PARAMS = ("present", "agenda", "item", "ik")
_ID_RE = re.compile(r"^[0-9a-f]{8}$")


class AgendaError(ValueError):
    """An agenda or item that cannot be saved, with the reason a person can act on: ``key``
    names the reason (its words in geo/texts/meeting.py, ``agenda_e_<key>``), ``params`` fill
    them; ``str()`` is the English line (logs, the CLI, tests)."""

    _ENGLISH = {"empty_title": "empty title", "long_title": "title longer than {limit} characters",
                "empty_link": "empty link", "unknown_page": "unknown page {page!r} (pages: {pages})",
                "bad_param": "link parameter {param!r} is not one this app writes",
                "long_param": "link parameter {param!r} is longer than {limit} characters",
                "bad_id": "bad agenda id {id!r}", "agenda_title": "an agenda needs a title of 1–{limit} characters",
                "too_many": "at most {limit} items", "no_agenda": "no such agenda"}

    def __init__(self, key: str, **params):
        self.key, self.params = key, params
        super().__init__(self._ENGLISH[key].format(**params))

    def text(self, lang: str = "zh") -> str:
        from geo.i18n import t

        return t(f"agenda_e_{self.key}", lang, **self.params)


@dataclass(frozen=True)
class Item:
    title: str
    page: str
    params: tuple[tuple[str, str], ...] = ()

    def query(self) -> dict[str, str]:
        return dict(self.params)

    def key(self) -> str:
        """A short mark of the item's view (page and parameters, not its title): a link to an item
        carries it, so a link made before the agenda was reordered or edited is recognised."""
        return hashlib.sha256(self.link().encode()).hexdigest()[:8]

    def link(self) -> str:
        """The item's relative URL, e.g. ``/investment?district=430281&stage=在建``."""
        query = urlencode(self.params)
        return f"/{self.page}" + (f"?{query}" if query else "")


@dataclass(frozen=True)
class Agenda:
    agenda_id: str
    title: str
    items: tuple[Item, ...] = ()
    updated_at: str = field(default="")


def item_from_link(title: str, link: str) -> Item:
    """An item from a link someone copied from the address bar (full URL or ``/page?...``).

    Raises AgendaError naming what is wrong: an empty title, an unknown page, a value too long."""
    title = (title or "").strip()
    if not title:
        raise AgendaError("empty_title")
    if len(title) > TITLE_MAX:
        raise AgendaError("long_title", limit=TITLE_MAX)
    if not (link or "").strip():
        raise AgendaError("empty_link")
    parts = urlsplit((link or "").strip())
    page = parts.path.strip("/").split("/")[-1] or "overview"
    if page not in PAGES:
        raise AgendaError("unknown_page", page=page, pages=", ".join(PAGES))
    params = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=False) if k not in PRESENTATION_PARAMS]
    for key, value in params:
        if not re.fullmatch(r"[a-z_]{1,20}", key):
            raise AgendaError("bad_param", param=key[:20])
        if len(value) > PARAM_MAX:  # the app's own parameter (q=…), too long: said so (tester 13)
            raise AgendaError("long_param", param=key, limit=PARAM_MAX)
    return Item(title, page, tuple(params))


def _dir(store_dir: Path | None) -> Path:
    return store_root(store_dir) / "agendas"


def _check(agenda: Agenda) -> None:
    if not _ID_RE.match(agenda.agenda_id):
        raise AgendaError("bad_id", id=agenda.agenda_id)
    if not agenda.title.strip() or len(agenda.title) > TITLE_MAX:
        raise AgendaError("agenda_title", limit=TITLE_MAX)
    if len(agenda.items) > ITEMS_MAX:
        raise AgendaError("too_many", limit=ITEMS_MAX)
    for item in agenda.items:  # re-checked: items may come from an edited table
        item_from_link(item.title, item.link())


def new_agenda(title: str, items: list[Item] | tuple[Item, ...] = ()) -> Agenda:
    agenda = Agenda(uuid.uuid4().hex[:8], (title or "").strip(), tuple(items))
    _check(agenda)
    return agenda


def save(agenda: Agenda, store_dir: Path | None = None) -> Agenda:
    """Write ``agenda`` (replacing one with the same id); returns it with its save time."""
    _check(agenda)
    saved = Agenda(agenda.agenda_id, agenda.title.strip(), agenda.items,
                   dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds"))  # orders two saves in a second
    folder = _dir(store_dir)
    folder.mkdir(parents=True, exist_ok=True)
    data = {"agenda_id": saved.agenda_id, "title": saved.title, "updated_at": saved.updated_at,
            "items": [{"title": i.title, "page": i.page, "params": [list(p) for p in i.params]} for i in saved.items]}
    tmp = folder / f".{saved.agenda_id}.{uuid.uuid4().hex[:6]}.tmp"
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, folder / f"{saved.agenda_id}.json")
    return saved


def load(agenda_id: str, store_dir: Path | None = None) -> Agenda | None:
    """The agenda, or None when there is none with that id (or its file is unreadable)."""
    if not _ID_RE.match(str(agenda_id or "")):
        return None
    path = _dir(store_dir) / f"{agenda_id}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        items = tuple(Item(i["title"], i["page"], tuple((str(k), str(v)) for k, v in i["params"]))
                      for i in data["items"])
        return Agenda(data["agenda_id"], data["title"], items, data.get("updated_at", ""))
    except (OSError, ValueError, KeyError, TypeError):
        return None


# The last listing per folder, with the (name, mtime, size) of its files: every page's header
# lists the agendas on every rerun ("加入议程"), and reading 50 of them (a year of weekly
# meetings) cost ~4.5 ms a rerun; a stat of each file tells whether any changed.
_listed: dict[str, tuple[list[tuple[str, int, int]], list[Agenda]]] = {}


def list_agendas(store_dir: Path | None = None) -> list[Agenda]:
    """Every readable agenda, most recently saved first."""
    folder = _dir(store_dir)
    try:
        files = sorted((e.name, e.stat().st_mtime_ns, e.stat().st_size) for e in os.scandir(folder)
                       if e.name.endswith(".json") and e.is_file())
    except FileNotFoundError:
        return []
    seen = _listed.get(str(folder))
    if seen is None or seen[0] != files:
        found = [load(name.removesuffix(".json"), store_dir) for name, *_ in files]
        seen = _listed[str(folder)] = files, sorted((a for a in found if a), key=lambda a: a.updated_at, reverse=True)
    return list(seen[1])


def delete(agenda_id: str, store_dir: Path | None = None) -> None:
    if _ID_RE.match(str(agenda_id or "")):
        (_dir(store_dir) / f"{agenda_id}.json").unlink(missing_ok=True)
