"""Single sign-on through Streamlit's OIDC login against a local OpenID Connect provider on 127.0.0.1."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from geo import auth
from geo.store.db import Store
from tests.browser import free_port, require_chromium, start_portal, wait_idle
from tests.conftest import ADMIN

pytestmark = pytest.mark.browser


@pytest.fixture
def provider(tmp_path):
    """oidc-provider-mock serving on a free localhost port for the test."""
    port = free_port()
    log = (tmp_path / "oidc.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "oidc_provider_mock", "--port", str(port), "--host", "127.0.0.1"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/.well-known/openid-configuration", timeout=2):
                break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail(f"the OIDC provider did not start: {(tmp_path / 'oidc.log').read_text()}")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def test_a_single_sign_on_identity_logs_in_as_the_user_with_that_email(
    provider, _seeded_template, tmp_path, artifacts_dir, _browser
):
    require_chromium()
    db = tmp_path / "sso.duckdb"
    shutil.copy(_seeded_template, db)
    auth.add_user(Store(db), ADMIN, "zhang.san", "zhang-password", ["planner"], "张三", email="zhang@binhai.gov.cn")
    port = free_port()
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        'cookie_secret = "a-long-random-secret-for-the-test-only"\n'
        'client_id = "binhai-portal"\n'
        'client_secret = "test-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    portal = start_portal(db, artifacts_dir, extra_args=("--secrets.files", str(secrets)), port=port)
    context = _browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(portal.url + "map", wait_until="domcontentloaded")
        sidebar = page.get_by_test_id("stSidebar")
        sidebar.get_by_role("button", name="单点登录").click()
        page.locator("input[name=sub]").wait_for(timeout=30_000)  # the provider's own form
        page.locator("input[name=sub]").fill("zhang@binhai.gov.cn")
        page.get_by_role("button", name="Authorize").click()
        page.get_by_test_id("stSidebar").get_by_text("已登录：张三").wait_for(timeout=60_000)
        page.screenshot(path=str(artifacts_dir / "sso-logged-in.png"), full_page=True)

        # An identity with no portal account is told so, and gets no role.
        # Logging out goes through Streamlit's /auth/logout (which drops the identity cookie) and on to
        # the provider's end-session page, which asks for a confirmation when the provider shows one.
        # Wait for that response: navigating away before it arrives would cancel the logout.
        # A click that lands while a rerun redraws the sidebar is lost: wait for a quiet page, and click
        # again if the logout did not start.
        for attempt in range(3):
            wait_idle(page)
            try:
                with page.expect_response(lambda response: "/auth/logout" in response.url, timeout=30_000):
                    page.get_by_test_id("stSidebar").get_by_role("button", name="退出登录").click()
                break
            except PlaywrightTimeout:
                page.screenshot(path=str(artifacts_dir / f"sso-logout-attempt-{attempt}.png"), full_page=True)
                if attempt == 2:
                    raise
        end_session = page.get_by_role("button", name="End session")
        end_session.or_(page.get_by_role("button", name="单点登录")).first.wait_for(timeout=90_000)
        if end_session.count():
            with page.expect_navigation(timeout=90_000):
                end_session.click()
        page.goto(portal.url + "map", wait_until="domcontentloaded")
        page.get_by_test_id("stSidebar").get_by_role("button", name="单点登录").wait_for(timeout=60_000)
        page.get_by_test_id("stSidebar").get_by_role("button", name="单点登录").click()
        page.locator("input[name=sub]").wait_for(timeout=30_000)
        page.locator("input[name=sub]").fill("stranger@example.com")
        page.get_by_role("button", name="Authorize").click()
        page.get_by_test_id("stSidebar").get_by_text("未对应门户账号").wait_for(timeout=60_000)
        assert page.get_by_test_id("stSidebar").get_by_text("已登录").count() == 0
    finally:
        context.close()
        portal.process.terminate()
        portal.process.wait(timeout=10)
