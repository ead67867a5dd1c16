"""Real-browser journey: an official makes the brief on 目标考核 and downloads the PDF for a meeting."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from PIL import Image

from geo import assessment
from geo.store.db import Store
from tests.browser import wait_idle

pytestmark = pytest.mark.browser


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed")
def test_official_downloads_the_assessment_brief_and_reads_it(portal, browser_page, tmp_path):
    page, requests = browser_page
    page.goto(portal.url + "assessment", wait_until="domcontentloaded")
    main = page.get_by_test_id("stMain")
    make = main.get_by_role("button", name="生成简报")
    make.wait_for(timeout=90_000)
    wait_idle(page)
    main.get_by_text("A4 横向").click()
    wait_idle(page)
    make.click()
    download_button = main.get_by_role("button", name="下载简报 PDF")
    download_button.wait_for(timeout=120_000)
    page.screenshot(path=str(portal.artifacts / "brief-assessment.png"), full_page=True)
    with page.expect_download(timeout=60_000) as caught:
        download_button.click()
    download = caught.value
    assert download.suggested_filename.endswith(".pdf")
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    assert "滨海新区节能减排简报·目标考核" in flat and "示意数据" in flat
    # The page's default level is 开发区: the brief names the zones that are behind, as the page does.
    table = assessment.assessment(Store(portal.db_path), "zone", "energy_intensity", 2024)
    behind = table.loc[table["status"].astype(str) == "behind", "name"].tolist()
    assert f"{len(behind)}个开发区进度滞后" in flat
    assert all(name in flat for name in behind)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "841.89 x 595.276 pts" in info  # A4 landscape, as chosen

    # The map alone, for slides: drawn when asked for.
    with page.expect_download(timeout=120_000) as caught:
        main.get_by_role("button", name="下载地图 PNG（用于幻灯片）").click()
    png = tmp_path / caught.value.suggested_filename
    caught.value.save_as(png)
    assert png.suffix == ".png" and Image.open(png).size == (1600, 1200)
    assert not [r for r in requests if r.startswith("http") and "127.0.0.1" not in r and "localhost" not in r]
