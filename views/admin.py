"""系统管理 (/admin): users and roles, the audit log, and the settings kept in the store — administrators only."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from geo import auth
from geo.errors import PortalError
from geo.settings import SETTINGS, settings_table, update_setting
from geo.store import audit
from views.shell import (
    after_write,
    cached,
    download_table,
    lang,
    md_escape,
    page_header,
    require_role,
    show_error,
    tr,
)

db = page_header("nav_admin")
actor = require_role("admin")
if actor is None:
    st.stop()


def role_label(code: str) -> str:
    return auth.role_title(code, lang())


users_tab, audit_tab, settings_tab = st.tabs([tr("admin_users"), tr("admin_audit"), tr("admin_settings")])

# -- users ---------------------------------------------------------------------------------------------
with users_tab:
    users = cached(auth.list_users, db)
    shown = pd.DataFrame(
        {
            tr("username"): users["username"],
            tr("display_name"): users["display_name"],
            tr("roles"): ["、".join(role_label(r) for r in roles if r) for roles in users["roles"]],
            tr("user_state"): [tr("disabled") if d else tr("enabled") for d in users["disabled"]],
            tr("email"): users["email"].fillna("—"),
        }
    )
    st.dataframe(shown, hide_index=True, width="stretch")

    with st.expander(tr("user_add")), st.form("user_add", clear_on_submit=True):
        c1, c2 = st.columns(2)
        username = c1.text_input(tr("username"))
        display_name = c2.text_input(tr("display_name"))
        roles = st.multiselect(tr("roles"), list(auth.ROLES), format_func=role_label)
        c3, c4 = st.columns(2)
        email = c3.text_input(tr("email"))
        password = c4.text_input(tr("password_initial"), type="password")
        if st.form_submit_button(tr("user_add")):
            try:
                auth.add_user(db, actor, username.strip(), password, roles, display_name.strip(), email.strip() or None)
            except PortalError as err:
                show_error(err)
            else:
                after_write()
                st.success(tr("user_saved", name=md_escape(username)))

    names = list(users["username"])
    if names:
        st.markdown(f"**{tr('user_change')}**")
        chosen = st.selectbox(tr("username"), names, key="admin_user")
        row = users.set_index("username").loc[chosen]
        c1, c2, c3 = st.columns([3, 1, 2])
        new_roles = c1.multiselect(
            tr("roles"),
            list(auth.ROLES),
            default=[r for r in row["roles"] if r in auth.ROLES],
            format_func=role_label,
            key=f"roles_{chosen}",
        )
        if c1.button(tr("save_roles"), key=f"save_roles_{chosen}"):
            try:
                auth.set_roles(db, actor, chosen, new_roles)
            except PortalError as err:
                show_error(err)
            else:
                after_write()
                st.rerun()
        toggle = tr("enable") if row["disabled"] else tr("disable")
        if c2.button(toggle, key=f"toggle_{chosen}"):
            try:
                auth.set_disabled(db, actor, chosen, not row["disabled"])
            except PortalError as err:
                show_error(err)
            else:
                after_write()
                st.rerun()
        with c3.form(f"reset_{chosen}", clear_on_submit=True):
            new_password = st.text_input(tr("password_new"), type="password")
            if st.form_submit_button(tr("password_reset")):
                try:
                    auth.set_password(db, actor, chosen, new_password)
                except PortalError as err:
                    show_error(err)
                else:
                    after_write()
                    st.success(tr("password_done", name=md_escape(chosen)))

# -- audit log -------------------------------------------------------------------------------------------
with audit_tab:
    f1, f2, f3, f4, f5 = st.columns([2, 2, 2, 2, 2])
    who = f1.selectbox(
        tr("username"), [None, *cached(auth.list_users, db)["username"]], format_func=lambda v: v or tr("all")
    )
    action = f2.selectbox(tr("audit_action"), [None, *cached(audit.actions, db)], format_func=lambda v: v or tr("all"))
    entity = f3.text_input(tr("audit_entity"))
    since = f4.date_input(tr("diff_from"), value=date.today() - timedelta(days=90), key="audit_since")
    until = f5.date_input(tr("diff_to"), value=date.today(), key="audit_until")
    log = cached(audit.entries, db, username=who, action=action, entity=entity or None, since=since, until=until)
    st.caption(tr("audit_rows", n=len(log)))
    table = pd.DataFrame(
        {
            tr("audit_seq"): log["seq"],
            tr("audit_time"): log["recorded_at"].dt.strftime("%Y-%m-%d %H:%M:%S"),
            tr("username"): log["username"],
            tr("roles"): log["roles"],
            tr("audit_client"): log["client"],
            tr("audit_action"): log["action"],
            tr("audit_entity"): log["entity_type"] + ":" + log["entity_id"],
            tr("audit_before"): log["before_json"].fillna("—"),
            tr("audit_after"): log["after_json"].fillna("—"),
            tr("reason"): log["reason"].fillna("—"),
        }
    )
    st.dataframe(table, hide_index=True, width="stretch", height=420)
    download_table(table, "audit-log", key="audit")
    if st.button(tr("audit_verify")):
        check = audit.verify(db)
        if check.ok:
            st.success(tr("audit_ok", n=check.rows))
        else:
            st.error(f"{md_escape(check.problem_zh)}\n\n{md_escape(check.problem_en)}")

# -- settings --------------------------------------------------------------------------------------------
with settings_tab:
    current = cached(settings_table, db, lang())

    def shown_value(v: object) -> str:
        return tr("basemap_from_env") if v == "" else f"{v:g}" if isinstance(v, float) else str(v)

    view = current.assign(
        value=current["value"].map(shown_value),
        default=current["default"].map(shown_value),
        changed_by=current["changed_by"].fillna("—"),
    )
    st.dataframe(
        view.rename(
            columns={
                "key": tr("setting_key"),
                "title": tr("setting_title"),
                "value": tr("setting_value"),
                "default": tr("setting_default"),
                "unit": tr("unit"),
                "source": tr("setting_source"),
                "changed_by": tr("changed_by"),
                "valid_from": tr("changed_at"),
            }
        ),
        hide_index=True,
        width="stretch",
    )
    key = st.selectbox(tr("setting_title"), list(SETTINGS), format_func=lambda k: SETTINGS[k].title(lang()))
    setting = SETTINGS[key]
    with st.form(f"setting_edit_{key}"):
        if setting.kind == "choice":
            value = st.selectbox(
                tr("setting_value"), setting.choices, format_func=lambda v: tr("basemap_from_env") if v == "" else v
            )
        else:
            value = st.text_input(tr("setting_value"), help=f"{setting.minimum:g} – {setting.maximum:g} {setting.unit}")
        reason = st.text_input(tr("reason"))
        if st.form_submit_button(tr("save")):
            try:
                update_setting(db, actor, key, value, reason or None)
            except PortalError as err:
                show_error(err)
            else:
                after_write()
                st.success(tr("setting_saved"))
