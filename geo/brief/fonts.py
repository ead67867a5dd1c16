"""The CJK font of the brief: Debian's fonts-wqy-zenhei (TrueType outlines, so reportlab can embed a subset).

The font is a system package (the Makefile and .ci/run install it); it is never fetched at run time.
"""

from __future__ import annotations

from pathlib import Path

from geo.errors import PortalError

# Where Debian's fonts-wqy-zenhei puts it; face 0 of the collection is 文泉驿正黑 (WenQuanYi Zen Hei).
FONT_CANDIDATES: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc"),
)
FONT_FACE = 0


class FontMissing(PortalError):
    """No CJK TrueType font: the brief cannot show Chinese."""


def cjk_font_path() -> Path:
    """The CJK font file; `FontMissing` (Chinese and English, with the package to install) when absent."""
    for path in FONT_CANDIDATES:
        if path.is_file():
            return path
    tried = "、".join(str(p) for p in FONT_CANDIDATES)
    raise FontMissing(
        f"未找到中文字体（已查找：{tried}），无法生成简报；请安装 fonts-wqy-zenhei（apt-get install fonts-wqy-zenhei）",
        f"no CJK font found (looked for {', '.join(str(p) for p in FONT_CANDIDATES)}); the brief cannot be made — "
        "install fonts-wqy-zenhei (apt-get install fonts-wqy-zenhei)",
    )
