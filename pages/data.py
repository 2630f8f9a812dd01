"""数据管理 Data management: import a ledger (table → file → options → column mapping → report →
preview → publish), and the snapshot history with one-click rollback. Widgets and calls only:
the work is in geo.ingest."""

import hashlib

import streamlit as st

from geo import ui
from geo.i18n import fmt_count, t
from geo.ingest import IMPORT_TABLES, MAX_UPLOAD_MB, MODES, UPLOAD_CEILING_MB, IngestError, Options, check, load, view
from geo.ingest import publish as pub
from geo.ingest.templates import template_xlsx
from geo.store import StoreError

ctx = ui.page_context("data")
lang = ctx.lang
st.title(t("page_data", lang))
st.caption(t("as_of", lang, date=ctx.snapshot.as_of, snapshot=ctx.snapshot.id))


def _publish(checked) -> None:
    # The publisher and the as-of date as they are now, not as the button was drawn with them: a
    # date typed and the button clicked at once reach the server in one rerun, and the date bound
    # to the button was the old one (tester 19 published October's ledger as of 2023-09-30).
    user, as_of = st.session_state.get("data_user") or "", st.session_state.get("data_as_of")
    if as_of is None or not user.strip():  # the date or the name cleared as the button was clicked
        st.session_state["data_message"] = ("error", t("data_as_of_missing" if as_of is None else "data_user_needed", lang))
        return
    try:
        done = pub.publish(checked, published_by=user.strip(), store_dir=None, as_of=as_of)
    except (StoreError, IngestError) as err:
        reason = err.text(lang) if isinstance(err, IngestError) else str(err)
        st.session_state["data_message"] = ("error", t("data_publish_failed", lang, error=reason))
        return
    st.session_state.pop("_snapshot_override", None)
    st.session_state.pop("data_checked", None)
    if done.snapshot is None:
        st.session_state["data_message"] = ("info", t("data_nothing_changed", lang))
    else:
        st.session_state["data_message"] = ("success", t("data_published", lang, snapshot=done.snapshot.id,
                                                         as_of=as_of.isoformat(), diff=checked.report.diff_text(lang)))


ROWS_WITH_BUTTONS = 20  # the newest snapshots each with a button; older ones in a picker


def _ask_switch(snapshot_id: str | None) -> None:
    """A history row's button asks first (``_confirm_switch``); 取消 asks nothing (None)."""
    st.session_state["data_switch_to"] = snapshot_id


def _rollback(snapshot_id: str) -> None:
    _ask_switch(None)
    forward = pub.is_newer_than_current(snapshot_id)
    try:
        pub.rollback(snapshot_id, by=st.session_state.get("data_switch_by") or "")
    except StoreError as err:
        st.session_state["data_message"] = ("error", t("data_publish_failed", lang, error=str(err)))
        return
    st.session_state.pop("_snapshot_override", None)
    st.session_state.pop("data_checked", None)
    st.session_state["data_message"] = ("success", t("data_rolled_forward" if forward else "data_rolled_back", lang,
                                                     snapshot=snapshot_id))


def _confirm_switch(snapshot_id: str) -> None:
    """Before a switch: what it takes out of the live data and what it brings back. A rollback
    past a meeting's task changes takes them out too, which the steward must see first."""
    undone, restored = pub.switch_effect(snapshot_id)
    with st.container(border=True, key="data_switch"):
        st.markdown(t("data_switch_title", lang, snapshot=snapshot_id))
        if undone:
            st.markdown(t("data_switch_undone", lang, n=len(undone)))
            st.markdown(view.switch_lines(undone, lang))
        meeting = sum(view.is_meeting_change(e) for e in undone)
        if meeting:
            imports = meeting < len(undone)
            st.warning(t("data_switch_meeting", lang, n=meeting) + (t("data_switch_keep_meeting", lang) if imports else ""))
        if restored:
            st.markdown(t("data_switch_restored", lang, n=len(restored)))
            st.markdown(view.switch_lines(restored, lang))
        st.text_input(t("data_switch_by_input", lang), key="data_switch_by", max_chars=20)
        yes, no = st.columns(2)
        yes.button(t("data_switch_confirm", lang), key="data_switch_yes", type="primary", on_click=_rollback,
                   args=(snapshot_id,), width="stretch")
        no.button(t("data_switch_cancel", lang), key="data_switch_no", width="stretch",
                  on_click=_ask_switch, args=(None,))


message = st.session_state.pop("data_message", None)
if message:
    getattr(st, message[0])(message[1])

# Tracked tabs (a key and reruns): the history's buttons rerun the page, and a run that shows one
# element more or fewer above the tabs (the message of a publish) made untracked tabs new ones,
# open on the import: the steward lost the confirmation they had just asked for.
tab_import, tab_history = st.tabs([t("data_tab_import", lang), t("data_tab_history", lang)], key="data_tabs",
                                  on_change="rerun")

with tab_history:
    history = pub.history()
    ui.table(view.history_frame(history, lang), lang, "data_no_history", key="data_history")
    st.caption(t("data_rollback_help", lang))
    switched = pub.switches()
    if switched:  # who made which snapshot live, when
        st.markdown(f"**{t('data_switches', lang)}**")
        ui.table(view.switches_frame(switched, lang), lang, key="data_switches", max_height=240)
    for h in history[:ROWS_WITH_BUTTONS]:
        c1, c2 = st.columns([5, 2], vertical_alignment="center")
        c1.text(view.snapshot_line(h, lang)[:160])
        c2.button(t("data_current", lang) if h["current"] else t("data_rollback", lang), key=f"data_rollback_{h['id']}",
                  disabled=h["current"], on_click=_ask_switch, args=(h["id"],), width="stretch")
        if st.session_state.get("data_switch_to") == h["id"] and not h["current"]:
            _confirm_switch(h["id"])  # under its row, where the steward clicked
    # Every meeting edit is a snapshot: after one meeting the imports before it were beyond the
    # buttons, and could not be restored from the page (exploratory tester 6).
    older = {h["id"]: h for h in history[ROWS_WITH_BUTTONS:]}
    if older:
        c1, c2 = st.columns([5, 2], vertical_alignment="bottom")
        chosen = c1.selectbox(t("data_older", lang, n=len(older)), list(older), key="data_older",
                              format_func=lambda i: view.snapshot_line(older[i], lang)[:160])
        c2.button(t("data_current", lang) if older[chosen]["current"] else t("data_rollback", lang),
                  key="data_rollback_older", disabled=older[chosen]["current"], on_click=_ask_switch, args=(chosen,),
                  width="stretch")
        if st.session_state.get("data_switch_to") == chosen and not older[chosen]["current"]:
            _confirm_switch(chosen)

# The import comes last: its steps stop the script (st.stop) until there is something to show.
with tab_import:
    # 1. table and template
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    table = left.selectbox(t("data_table", lang), IMPORT_TABLES, key="data_table",
                           format_func=lambda name: t(f"table_{name}", lang))
    right.download_button(t("data_template", lang), template_xlsx(table, lang), key="data_template",
                          file_name=f"{t(f'table_{table}', lang)}_{t('data_template_suffix', lang)}.xlsx",
                          icon=":material/table_view:", on_click="ignore")
    st.caption(view.required_note(table, lang))
    # 2. file
    # Streamlit's own refusals (a type not listed, a file above its limit) are an English tooltip
    # on a red icon: .xls and files above the import's limit come through to be refused by the
    # reader, in words (save as .xlsx; the limit).
    upload = st.file_uploader(t("data_file", lang, mb=MAX_UPLOAD_MB), key="data_file",
                              max_upload_size=UPLOAD_CEILING_MB,
                              type=["xlsx", "xls", "csv", "txt", "geojson", "json", "gpkg", "zip"],
                              help=t("data_file_help", lang, mb=MAX_UPLOAD_MB))
    # 3. options
    o1, o2, o3, o4 = st.columns([2, 2, 2, 2])
    encoding = o1.selectbox(t("data_encoding", lang), view.ENCODING_CHOICES, key="data_encoding",
                            format_func=lambda e: t("data_auto", lang) if e == "auto" else e.upper())
    crs_choice = o2.selectbox(t("data_crs", lang), view.CRS_OPTIONS, key="data_crs",
                              format_func=lambda c: t(f"data_crs_{c}", lang), help=t("data_crs_help", lang))
    epsg = o3.number_input(t("data_epsg", lang), min_value=2000, max_value=32767, value=4547, step=1, key="data_epsg",
                           disabled=crs_choice != "epsg")
    mode = o4.radio(t("data_mode", lang), MODES, key="data_mode", format_func=lambda m: t(f"data_mode_{m}", lang),
                    horizontal=True)
    repair = st.checkbox(t("data_repair", lang), key="data_repair") if table == "parcels" else False

    if upload is None:
        st.info(t("data_start", lang))
        st.stop()
    data = upload.getvalue()
    enc = None if encoding == "auto" else encoding
    load_key = (hashlib.sha256(data).hexdigest(), upload.name, table, enc)
    if st.session_state.get("data_loaded", (None,))[0] != load_key:
        try:
            st.session_state["data_loaded"] = (load_key, load(data, upload.name, table, enc))
        except IngestError as err:
            st.session_state["data_loaded"] = (load_key, err)
    loaded = st.session_state["data_loaded"][1]
    if isinstance(loaded, IngestError):
        st.error(t("data_stopped", lang, reason=loaded.text(lang)))
        st.stop()

    # 4. column mapping, correctable
    st.subheader(t("data_mapping", lang), anchor=False)
    st.caption(t("data_mapping_help", lang))
    edited = st.data_editor(
        view.mapping_for_editor(loaded.mapping), key=f"data_mapping_{load_key[0][:12]}_{table}", hide_index=True,
        disabled=["source"], width="stretch",
        column_config={
            "source": st.column_config.TextColumn(t("data_map_source", lang)),
            "target": st.column_config.SelectboxColumn(t("data_map_target", lang), options=view.target_options(table),
                                                       format_func=lambda v: view.target_label(table, v, lang)),
            "factor": st.column_config.NumberColumn(t("data_map_factor", lang), format="%g", min_value=0.0,
                                                    help=t("data_map_factor_help", lang))})
    mapping = view.mapping_from_editor(edited)

    # 5. report
    crs = f"epsg:{int(epsg)}" if crs_choice == "epsg" else crs_choice
    check_key = (load_key, crs, mode, repair, mapping.to_json(), ctx.snapshot.id)
    if st.session_state.get("data_checked", (None,))[0] != check_key:
        try:
            with st.spinner(t("data_checking", lang)):
                checked = check(loaded, Options(table, crs=crs, encoding=enc, mode=mode, repair=repair), mapping,
                                base=ctx.snapshot)
                checked.report.diff, st.session_state["data_updates"] = (
                    pub.preview(checked) if checked.report.accepted else ({}, None))
                # stored tasks this file would leave without their project (refused at publishing)
                st.session_state["data_orphans"] = pub.preview_orphans(checked) if checked.report.accepted else None
            st.session_state["data_checked"] = (check_key, checked)
        except IngestError as err:
            st.session_state["data_checked"] = (check_key, err)
    checked = st.session_state["data_checked"][1]
    if isinstance(checked, IngestError):
        st.error(t("data_stopped", lang, reason=checked.text(lang)))
        st.stop()
    report = checked.report
    st.subheader(t("data_report", lang), anchor=False)
    cols = st.columns(4)
    for col, (key, n) in zip(cols, view.counts(report)):
        col.metric(t(key, lang), fmt_count(n, "", lang))
    if report.diff:
        st.caption(report.diff_text(lang))
    updates = st.session_state.get("data_updates")
    if updates is not None and updates[1]:  # which fields change, before publishing (tester 19)
        with st.expander(t("data_updates", lang, n=fmt_count(updates[1], "", lang))):
            ui.table(view.updates_frame(updates[0], table, lang), lang, key="data_updates_table", max_height=360)
            if updates[1] > len(updates[0]):
                st.caption(t("data_updates_more", lang, shown=len(updates[0]), n=fmt_count(updates[1], "", lang)))
    for note in report.note_texts(lang):
        (st.warning if note.startswith(("注意", "Warning")) else st.info)(note)
    problems = report.problem_frame(lang)
    if len(problems):
        ui.table(problems, lang, key="data_problems", max_height=360)
    built = st.session_state.get("data_report_xlsx")
    if not built or built[0] != (check_key, lang):  # built once per check, not on every rerun
        built = st.session_state["data_report_xlsx"] = ((check_key, lang), report.to_xlsx(lang))
    st.download_button(t("data_report_download", lang), built[1], key="data_report",
                       file_name=f"{t('data_report_file', lang)}_{upload.name.rsplit('.', 1)[0]}.xlsx",
                       icon=":material/file_download:", on_click="ignore")

    # 6. preview map
    deck, drawn = view.preview_deck(checked.accepted, table, lang)
    if deck is not None:
        st.subheader(t("data_preview", lang), anchor=False)
        st.pydeck_chart(deck, key="data_preview_map", height=560)
        if drawn < report.accepted:
            st.caption(t("data_preview_capped", lang, n=fmt_count(drawn, "", lang), total=fmt_count(report.accepted, "", lang)))

    # 7. publish
    st.subheader(t("data_publish_head", lang), anchor=False)
    p1, p0, p2 = st.columns([2, 1, 3], vertical_alignment="bottom")
    user = p1.text_input(t("data_user", lang), key="data_user", placeholder=t("data_user_hint", lang))
    as_of = p0.date_input(t("data_as_of", lang), value=ctx.snapshot.as_of, key="data_as_of",
                          help=t("data_as_of_help", lang))
    late = view.after_as_of(checked.accepted, table, as_of, lang)
    if late:
        st.warning(late, icon=":material/event_busy:")
    if not report.accepted:  # every row rejected: nothing to publish, and no "publish 0 rows" to tick
        p2.warning(t("data_no_valid_rows", lang, rejected=report.rejected), icon=":material/block:")
        valid_only = False
    else:
        valid_only = p2.checkbox(t("data_publish_valid", lang, n=report.accepted, rejected=report.rejected),
                                 key="data_publish_valid") if report.rejected else True
    removed = (report.diff or {}).get("removed", 0)
    confirmed = True
    if mode == "replace" and removed:  # a whole table can go with one click: say so, ask once more
        st.warning(t("data_replace_warning", lang, table=t(f"table_{table}", lang), kept=fmt_count(report.accepted, "", lang),
                     removed=fmt_count(removed, "", lang)), icon=":material/delete_forever:")
        confirmed = st.checkbox(t("data_replace_confirm", lang, removed=fmt_count(removed, "", lang)),
                                key=f"data_replace_confirm_{removed}")
    orphans = st.session_state.get("data_orphans")
    if orphans:  # stored tasks would lose their project: refused (the import refuses such tasks too)
        st.error(orphans.text(lang), icon=":material/link_off:")
    blocked = not report.accepted or not valid_only or not user.strip() or not confirmed or orphans is not None
    st.button(t("data_publish", lang, mode=t(f"data_mode_{mode}", lang)), type="primary", key="data_publish",
              disabled=blocked, on_click=_publish, args=(checked,), icon=":material/publish:")
    if not user.strip():
        st.caption(t("data_user_needed", lang))
    if report.accepted and not valid_only:  # the button stayed grey with a name given, unsaid (tester 18)
        st.caption(t("data_tick_needed", lang, n=report.accepted, rejected=report.rejected))
