"""What a brief is of: the page, the level, the indicator, the year, the as-of date and the paper's orientation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from geo.classify import METHODS
from geo.errors import InputError, Problem
from geo.indicators import INDICATORS, PARK_INDICATORS

ORIENTATIONS = ("portrait", "landscape")
# What the map of a page's brief shows: "parks" colours each park by the indicator (园区指标);
# "units" colours the chosen level's units by their target status (目标考核 and the other pages).
MAP_KINDS = ("parks", "units")
# What the brief is about: "kpi" — the energy KPIs (geo.brief.content); a page with content of its own
# names its builder in geo.brief.pages (BUILDERS): "water" (黑臭水体), "zones" (禁燃区规划).
CONTENTS = ("kpi", "water", "zones")


@dataclass(frozen=True)
class BriefPage:
    """A page that offers the brief: its code (the CLI's --page), titles and the kind of map it shows."""

    code: str
    title_zh: str
    title_en: str
    map_kind: str = "units"
    overlays: tuple[str, ...] = ()  # layers drawn over the map as the page shows them (e.g. the ledgers' points)
    ledgers: bool = False  # the brief adds the ledgers' headline figures (专项台账)
    content: str = "kpi"  # the content builder (CONTENTS)


PAGES: dict[str, BriefPage] = {}


def register_page(
    code: str,
    title_zh: str,
    title_en: str,
    map_kind: str = "units",
    overlays: tuple[str, ...] = (),
    ledgers: bool = False,
    content: str = "kpi",
) -> BriefPage:
    """Offer the brief for a page, e.g. `register_page("water", "黑臭水体", "Black-odorous water", content="water")`
    (a KPI brief with the page's layers drawn over it: `overlays=("water_bodies",)`)."""
    if map_kind not in MAP_KINDS:
        raise ValueError(f"map_kind must be one of {MAP_KINDS}, got {map_kind!r}")
    if content not in CONTENTS:
        raise ValueError(f"content must be one of {CONTENTS}, got {content!r}")
    PAGES[code] = BriefPage(code, title_zh, title_en, map_kind, tuple(overlays), ledgers, content)
    return PAGES[code]


register_page("parks", "园区指标", "Park indicators", "parks")
register_page("assessment", "目标考核", "Targets & assessment", "units")
register_page(
    "ledgers", "专项台账", "Ledgers", "units", overlays=("two_high_projects", "key_energy_units"), ledgers=True
)
# Pages with content of their own (geo.brief.pages): the level and indicator of the request are not used.
register_page("water", "黑臭水体", "Black-odorous water", content="water")
register_page("zones", "禁燃区规划", "Prohibited-zone planning", content="zones")

# The words people use for a level → its code (the CLI takes either).
LEVEL_ALIASES: dict[str, str] = {
    "district": "district",
    "区": "district",
    "全区": "district",
    "zone": "zone",
    "开发区": "zone",
    "town": "town",
    "街镇": "town",
    "街道": "town",
    "镇": "town",
    "park": "park",
    "园区": "park",
}


def level_code(text: str) -> str:
    """`街镇` → `town`; an InputError naming the accepted words otherwise."""
    code = LEVEL_ALIASES.get(str(text).strip().lower()) or LEVEL_ALIASES.get(str(text).strip())
    if code is None:
        accepted = "、".join(LEVEL_ALIASES)
        raise InputError(
            "brief",
            [Problem(f"未知层级 {text!r}，可用：{accepted}", f"unknown level {text!r}; use one of: {accepted}")],
        )
    return code


@dataclass(frozen=True)
class BriefRequest:
    """A brief's inputs, as the page shows them (hashable: pages cache the rendered files on it)."""

    page: str
    level: str  # district | zone | town | park
    indicator: str
    year: int | None = None  # None: the latest year with statistics
    as_of: date | None = None  # None: the store as it is now
    orientation: str = "portrait"
    normalisation: str = "total"  # the parks map's basis (园区指标)
    classification: str = "quantiles"  # the parks map's classes, as the page's 分级 expander sets them
    classes: int = 5

    def check(self) -> BriefRequest:
        """The request itself if it is well formed; InputError (bilingual) naming each bad field otherwise."""
        problems = []
        if self.page not in PAGES:
            problems.append(
                Problem(
                    f"未知页面 {self.page!r}，可用：{'、'.join(PAGES)}",
                    f"unknown page {self.page!r}; use one of: {', '.join(PAGES)}",
                    field="page",
                )
            )
        if self.level not in set(LEVEL_ALIASES.values()):
            problems.append(Problem(f"未知层级 {self.level!r}", f"unknown level {self.level!r}", field="level"))
        if self.indicator not in {i.code for i in PARK_INDICATORS}:
            codes = [i.code for i in PARK_INDICATORS]
            problems.append(
                Problem(
                    f"未知或不适用的指标 {self.indicator!r}，可用：{'、'.join(codes)}",
                    f"unknown or unsupported indicator {self.indicator!r}; use one of: {', '.join(codes)}",
                    field="indicator",
                )
            )
        if self.orientation not in ORIENTATIONS:
            problems.append(
                Problem(
                    f"纸张方向应为 portrait（纵向）或 landscape（横向），而不是 {self.orientation!r}",
                    f"orientation must be portrait or landscape, not {self.orientation!r}",
                    field="orientation",
                )
            )
        if self.classification not in METHODS or not 3 <= int(self.classes) <= 7:
            problems.append(
                Problem(
                    f"分级方法应为 {'、'.join(METHODS)}，级数 3–7",
                    f"classification must be one of {', '.join(METHODS)} with 3–7 classes",
                    field="classification",
                )
            )
        if problems:
            raise InputError("brief", problems)
        return self

    @property
    def meta(self):
        return INDICATORS[self.indicator]
