"""The brief's files: PDF or map PNG bytes for a request, and the guarded write the CLI uses."""

from __future__ import annotations

from pathlib import Path

from geo.brief.content import BriefContent, brief_content
from geo.brief.mapping import render_map_png
from geo.brief.pages import PageBrief, page_brief
from geo.brief.pdf import render_page_pdf, render_pdf
from geo.brief.request import PAGES, BriefRequest
from geo.errors import PortalError
from geo.outfile import atomic_write, checked_target
from geo.store.db import Store

FORMATS = ("pdf", "png")


def content_of(store: Store, request: BriefRequest) -> BriefContent | PageBrief:
    """The brief's numbers: the energy KPIs, or the page's own (黑臭水体, 禁燃区规划) by its content code."""
    request.check()
    if PAGES[request.page].content == "kpi":
        return brief_content(store, request)
    return page_brief(store, request)


def pdf_of(content: BriefContent | PageBrief) -> bytes:
    """The PDF of gathered content, in the layout of its kind."""
    return render_page_pdf(content) if isinstance(content, PageBrief) else render_pdf(content)


def brief_pdf(store: Store, request: BriefRequest) -> bytes:
    """The brief as PDF bytes."""
    return pdf_of(content_of(store, request))


def brief_map_png(store: Store, request: BriefRequest) -> bytes:
    """The brief's map alone as PNG bytes (for slides)."""
    return render_map_png(content_of(store, request))


def brief_files(store: Store, request: BriefRequest) -> tuple[bytes, bytes]:
    """The PDF and the map PNG from one gathering of the numbers (what the pages' button offers)."""
    content = content_of(store, request)
    return pdf_of(content), render_map_png(content)


def format_of(out: Path | str, chosen: str | None = None) -> str:
    """pdf or png: as chosen, else from the file's suffix (pdf by default)."""
    kind = (chosen or Path(out).suffix.lstrip(".") or "pdf").lower()
    if kind not in FORMATS:
        raise PortalError(
            f"简报只能输出 PDF 或 PNG（{out}）；请用 .pdf / .png 结尾或 --format",
            f"a brief is written as PDF or PNG only ({out}); end the name in .pdf / .png or give --format",
        )
    return kind


def write_brief(
    store: Store, request: BriefRequest, out: Path | str, kind: str | None = None, force: bool = False
) -> Path:
    """Render the brief (or its map) and write it to `out`: never over the store, existing files only with
    `force`, through a temporary file moved into place. Everything is checked before anything is written."""
    kind = format_of(out, kind)
    target = checked_target(out, store.files(), force=force)
    content = content_of(store, request)
    data = pdf_of(content) if kind == "pdf" else render_map_png(content)
    with atomic_write(target) as partial:
        partial.write_bytes(data)
    return target
