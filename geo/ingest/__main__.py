"""``python -m geo.ingest FILE --table projects [--crs gcj02] [--encoding gbk] [--publish]``

Reads and checks a ledger exactly as the 数据管理 page does and prints the same report.
Exit codes: 0 all rows accepted (and published with --publish, or nothing changed);
1 rows were rejected (nothing published unless --publish-valid); 2 the file was stopped
(wrong kind, encoding, columns, coordinates …) or the store refused the write.

    python -m geo.ingest 项目台账.xlsx --table projects --crs gcj02 --publish
    python -m geo.ingest 变电站.zip --table substations --report problems.xlsx
    python -m geo.ingest --template projects -o 项目模板.xlsx
    python -m geo.ingest --history                        # every snapshot, newest first
    python -m geo.ingest --switch-to 20261203T101500-ab12cd [--yes]   # roll back (or forward)

--switch-to prints what the switch takes out of the live data and brings back (tasks assigned or
closed at a meeting among them) and switches only with --yes (exit 1 without it, 2 for an
unknown snapshot). --prune KEEP says what deleting all but the newest KEEP snapshots would free
and deletes only with --yes: a deleted snapshot cannot be switched back to.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys
from pathlib import Path

from geo.i18n import t
from geo.ingest.errors import IngestError
from geo.ingest.pipeline import IMPORT_TABLES, MODES, Options, check, load_path


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    out = sys.stdout
    if args.template:
        from geo.ingest.templates import template_xlsx

        target = Path(args.output or f"template_{args.template}.xlsx")
        target.write_bytes(template_xlsx(args.template, args.lang))
        print(target, file=out)
        return 0
    from geo import store
    from geo.ingest import publish as pub
    from geo.ingest import view

    if args.history or args.switch_to:
        return _history(args, out)
    if args.prune is not None:
        return _prune(args, out)
    if not args.file or not args.table:
        print("FILE and --table are required (or --template TABLE, --history, --switch-to ID)", file=sys.stderr)
        return 2

    try:
        options = Options(args.table, crs=args.crs, encoding=args.encoding, mode=args.mode, repair=args.repair)
        loaded = load_path(args.file, args.table, args.encoding)
        try:
            base = store.open_current(args.store)
        except store.StoreError:
            base = None
        checked = check(loaded, options, base=base)
    except IngestError as err:
        print(f"{args.file}: {err.text(args.lang)}", file=sys.stderr)
        return 2
    report = checked.report
    refusal = None
    if base is not None:
        report.diff = pub.preview_diff(checked, args.store)
        refusal = pub.preview_orphans(checked, args.store)  # said by a check-only run too, as the page says it
    print(report.to_text(args.lang, limit=args.limit), file=out)
    as_of = args.as_of or (base.as_of if base is not None else None)
    late = view.after_as_of(checked.accepted, args.table, as_of, args.lang) if as_of else None
    if late:  # the page says it before publishing too
        print(f"! {late}", file=out)
    if refusal is not None:
        print(refusal.text(args.lang), file=sys.stderr)
    if args.report:
        Path(args.report).write_bytes(report.to_xlsx(args.lang))
    wants_publish = args.publish or args.publish_valid
    if report.rejected and not args.publish_valid:
        if args.publish:
            print(t("cli_rejected_rows", args.lang), file=sys.stderr)
        return 1
    if not wants_publish:
        return 2 if refusal is not None else 0
    if not report.accepted:
        print(t("cli_no_rows", args.lang), file=sys.stderr)
        return 1
    try:
        done = pub.publish(checked, published_by=args.user or f"{_shell_user()} (geo.ingest CLI)",
                           store_dir=args.store, as_of=args.as_of)
    except store.StoreError as err:
        print(t("cli_not_published", args.lang, reason=err), file=sys.stderr)
        return 2
    except IngestError as err:  # the store refuses it (tasks it would leave without their project)
        print(t("cli_not_published", args.lang, reason=err.text(args.lang)), file=sys.stderr)
        return 2
    if done.snapshot is None:
        print(t("data_nothing_changed", args.lang), file=out)
    else:
        print(t("cli_published", args.lang, snapshot=done.snapshot.id), file=out)
    return 0


def _history(args, out) -> int:
    """--history and --switch-to: the 数据管理 page's second tab, for a shell."""
    from geo import store
    from geo.ingest import publish as pub
    from geo.ingest import view

    entries = pub.history(args.store)
    if args.history:
        for entry in entries:
            print(f"{'●' if entry['current'] else ' '} {view.dated_line(entry, args.lang)}", file=out)
        return 0
    if args.switch_to not in {e["id"] for e in entries}:
        print(t("cli_no_snapshot", args.lang, snapshot=args.switch_to), file=sys.stderr)
        return 2
    undone, restored = pub.switch_effect(args.switch_to, args.store)
    if not undone and not restored:
        print(t("cli_already_current", args.lang, snapshot=args.switch_to), file=out)
        return 0
    for key, entries_ in (("data_switch_undone", undone), ("data_switch_restored", restored)):
        if entries_:
            print(t(key, args.lang, n=len(entries_)), file=out)
            print(view.switch_lines(entries_, args.lang, limit=50, markdown=False), file=out)
    meeting = sum(view.is_meeting_change(e) for e in undone)
    if meeting:  # as the page says it
        print("! " + t("data_switch_meeting", args.lang, n=meeting)
              + (t("data_switch_keep_meeting", args.lang) if meeting < len(undone) else ""), file=out)
    if not args.yes:
        print(t("cli_need_yes", args.lang), file=sys.stderr)
        return 1
    try:
        pub.rollback(args.switch_to, args.store, by=args.user or f"{_shell_user()} (geo.ingest CLI)")
    except store.StoreError as err:
        print(t("cli_not_switched", args.lang, reason=err), file=sys.stderr)
        return 2
    print(t("cli_switched", args.lang, snapshot=args.switch_to), file=out)
    return 0


def _prune(args, out) -> int:
    """--prune KEEP: what deleting all but the newest KEEP snapshots frees; done only with --yes."""
    from geo.ingest import publish as pub

    if args.prune < 1:
        print(t("cli_prune_keep", args.lang), file=sys.stderr)
        return 2
    from geo import store

    try:
        found = pub.prune(args.prune, args.store, dry_run=not args.yes)
    except store.StoreError as err:  # a current snapshot that does not verify: repair or roll back first
        print(t("cli_not_pruned", args.lang, reason=err), file=sys.stderr)
        return 2
    key = "cli_pruned" if args.yes else "cli_would_prune"
    print(t(key, args.lang, n=len(found.removed), files=found.derived_files, mb=found.freed_mb,
            first=found.removed[0] if found.removed else "—", last=found.removed[-1] if found.removed else "—"), file=out)
    if not args.yes and (found.removed or found.derived_files):
        print(t("cli_prune_need_yes", args.lang), file=sys.stderr)
        return 1
    return 0


def _shell_user() -> str:
    """Who runs the command; a uid without a passwd entry (a container) made getuser() raise."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m geo.ingest", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", nargs="?", help="XLSX, CSV, GeoJSON, GeoPackage or zipped Shapefile")
    p.add_argument("--table", choices=IMPORT_TABLES)
    p.add_argument("--crs", default="auto", help="auto (default: the file's own, else WGS84), wgs84, cgcs2000, "
                                                 "gcj02 (AMap/Tencent), bd09 (Baidu) or an EPSG code such as 4547")
    p.add_argument("--encoding", help="text encoding of CSV / .dbf, e.g. gbk (default: detected)")
    p.add_argument("--mode", choices=MODES, default="upsert", help="upsert by id (default) or replace the table")
    p.add_argument("--repair", action="store_true", help="repair self-intersecting polygons instead of rejecting them")
    p.add_argument("--publish", action="store_true", help="publish when every row is accepted")
    p.add_argument("--publish-valid", action="store_true", help="publish the accepted rows even if some were rejected")
    p.add_argument("--report", metavar="XLSX", help="also write the report as an XLSX file")
    p.add_argument("--store", type=Path, help="store directory (default: $ZZMAP_STORE or data/store)")
    p.add_argument("--user", help="who publishes or switches (recorded in the manifest or the switch log)")
    p.add_argument("--as-of", type=dt.date.fromisoformat, help="数据截至 of the new snapshot, YYYY-MM-DD "
                                                               "(default: the current snapshot's)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p.add_argument("--limit", type=int, default=200, help="problems printed (all are in --report)")
    p.add_argument("--template", choices=IMPORT_TABLES, help="write the XLSX template of a table and exit")
    p.add_argument("-o", "--output", help="where --template writes")
    p.add_argument("--history", action="store_true", help="list every snapshot, newest first (● = current)")
    p.add_argument("--switch-to", metavar="SNAPSHOT", help="make an older (or newer) snapshot current: "
                                                           "says what that undoes; switches with --yes")
    p.add_argument("--prune", type=int, metavar="KEEP", help="delete all but the newest KEEP snapshots (the current "
                                                             "one is always kept) and unused derived files; with --yes")
    p.add_argument("--yes", action="store_true", help="confirm --switch-to or --prune")
    return p


if __name__ == "__main__":
    sys.exit(main())
