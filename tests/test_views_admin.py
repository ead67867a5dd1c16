"""AppTest for 系统管理 (users, audit log, settings), logins that expire, and edit controls hidden from visitors."""

from __future__ import annotations

import pytest

from geo import auth
from geo.settings import current_settings
from geo.store import audit
from tests.conftest import ADMIN

PAGES = ("views/map.py", "views/parks.py", "views/assessment.py", "views/ledgers.py", "views/data.py")


def log_in(at, username: str, password: str):
    at.sidebar.text_input[0].set_value(username)
    at.sidebar.text_input[1].set_value(password)
    at.sidebar.button[0].click().run()
    assert not at.exception
    return at


@pytest.fixture
def admin_page(seeded_store, open_page):
    auth.add_user(seeded_store, ADMIN, "boss", "boss-password", ["admin"], "管理员乙")
    at = log_in(open_page(), "boss", "boss-password")
    at.switch_page("views/admin.py")
    at.run()
    assert not at.exception
    return at


def test_the_admin_page_lists_users_audit_and_settings(admin_page):
    assert [t.label for t in admin_page.tabs] == ["用户与角色", "审计日志", "参数设置"]
    users = admin_page.dataframe[0].value
    assert list(users["用户名"]) == ["boss"] and users["角色"].iloc[0] == "管理员"
    log = admin_page.dataframe[1].value
    assert list(log["操作"][:2]) == ["user.add", "store.seed"]


def test_an_admin_adds_a_user_with_roles_and_the_audit_log_shows_it(admin_page, seeded_store):
    inputs = list(admin_page.main.text_input)
    inputs[0].set_value("wang.wu")
    inputs[1].set_value("王五")
    admin_page.main.multiselect[0].set_value(["water_editor", "water_reviewer"])
    inputs[2].set_value("wang@binhai.gov.cn")
    inputs[3].set_value("wang-password")
    next(b for b in admin_page.main.button if b.label == "新建用户").click().run()
    assert not admin_page.exception
    user = auth.get_user(seeded_store, "wang.wu")
    assert user.roles == frozenset({"water_editor", "water_reviewer"}) and user.email == "wang@binhai.gov.cn"
    row = audit.entries(seeded_store, limit=1).iloc[0]
    assert (row["action"], row["username"], row["client"], row["entity_id"]) == (
        "user.add",
        "boss",
        "portal",
        "wang.wu",
    )


def test_an_admin_changes_a_setting_with_a_reason_and_a_bad_value_is_refused(admin_page, seeded_store):
    next(s for s in admin_page.main.selectbox if s.label == "设置项").set_value("water.nh3n_heavy_mg_l").run()
    admin_page.main.text_input[-2].set_value("abc")
    next(b for b in admin_page.main.button if b.label == "保存").click().run()
    assert any("应为数字" in e.value for e in admin_page.error)
    assert current_settings(seeded_store)["water.nh3n_heavy_mg_l"] == 15.0
    admin_page.main.text_input[-2].set_value("16")
    admin_page.main.text_input[-1].set_value("试行新阈值")
    next(b for b in admin_page.main.button if b.label == "保存").click().run()
    assert current_settings(seeded_store)["water.nh3n_heavy_mg_l"] == 16.0
    assert audit.entries(seeded_store, action="settings.").iloc[0]["reason"] == "试行新阈值"


def test_visitors_and_viewers_are_told_the_admin_page_needs_an_administrator(seeded_store, open_page):
    auth.add_user(seeded_store, ADMIN, "guan", "guan-password", ["viewer"], "官员")
    for at, says in ((open_page(), "需要登录"), (log_in(open_page(), "guan", "guan-password"), "需要角色：管理员")):
        # Not listed in the navigation (tests/test_browser_edits.py), but its address answers: a bookmark
        # opened before logging in says which login it needs.
        at.switch_page("views/admin.py").run()
        assert not at.exception
        shown = [m.value for m in (*at.main.info, *at.main.error)]
        assert any(says in m for m in shown), shown
        assert not at.tabs and not at.main.dataframe and not at.main.text_input


@pytest.mark.parametrize("page", PAGES)
def test_an_anonymous_visitor_sees_no_edit_controls(open_page, page):
    at = open_page(page)
    labels = [b.label for b in at.main.button] + [getattr(b, "label", "") for b in at.main.get("download_button")]
    assert not [label for label in labels if any(word in label for word in ("保存", "导入", "删除", "编辑"))]
    assert not at.main.get("arrow_data_editor") and not at.main.multiselect
    assert not [c.value for c in at.sidebar.caption if c.value.startswith("DB:")]  # which store: not for the public


def test_an_idle_login_expires_and_a_logout_clears_it(seeded_store, open_page):
    auth.add_user(seeded_store, ADMIN, "boss", "boss-password", ["admin"], "管理员乙")
    at = log_in(open_page(BINHAI_SESSION_MINUTES="30"), "boss", "boss-password")
    assert any("管理员乙" in c.value for c in at.sidebar.caption)
    assert any(c.value.startswith("DB:") for c in at.sidebar.caption)  # the store's name, for who edits it
    at.session_state["last_activity"] = at.session_state["last_activity"] - 31 * 60
    at.run()
    assert not any("管理员乙" in c.value for c in at.sidebar.caption)
    assert any("自动退出登录" in i.value for i in at.sidebar.info)
    at = log_in(at, "boss", "boss-password")
    next(b for b in at.sidebar.button if b.label == "退出登录").click().run()
    assert "user" not in at.session_state


def test_a_single_sign_on_logout_is_not_cut_short_by_a_rerun(seeded_store, open_page, monkeypatch):
    # st.logout() queues the browser's redirect to the provider's logout; a rerun right after it
    # clears the queue before it is sent (a CI run lost the logout that way).
    import streamlit

    auth.add_user(seeded_store, ADMIN, "zhang.san", "zhang-password", ["planner"], "张三", email="zhang@binhai.gov.cn")
    at = open_page()
    at.secrets["auth"] = {"client_id": "binhai-portal", "cookie_secret": "x" * 32}
    at.user = {"is_logged_in": True, "email": "zhang@binhai.gov.cn", "sub": "zhang"}
    at.run()
    assert any("已登录：张三" in c.value for c in at.sidebar.caption)
    reruns = []
    monkeypatch.setattr(streamlit, "rerun", lambda *args, **kwargs: reruns.append(args))
    next(b for b in at.sidebar.button if b.label == "退出登录").click().run()
    assert not at.exception
    assert "user" not in at.session_state and at.session_state["logged_out"]
    assert reruns == []


def test_a_wrong_password_and_an_unknown_user_read_alike(seeded_store, open_page):
    auth.add_user(seeded_store, ADMIN, "boss", "boss-password", ["admin"])
    wrong = log_in(open_page(), "boss", "not-the-password")
    unknown = log_in(open_page(), "nobody", "boss-password")
    assert [e.value for e in wrong.sidebar.error] == [e.value for e in unknown.sidebar.error]
    assert "用户名或密码错误" in wrong.sidebar.error[0].value
