"""Settings kept in the store: thresholds and defaults an administrator may change, each change audited.

`SETTINGS` declares every setting (title, type, unit, bounds, default, where the default comes
from); the store keeps only values that differ from the default, with their history. Reading
(`current_settings`) overlays the stored values on the defaults; `update_setting` checks the value
and writes it with an audit row. Later workflows (water classification, effluent limits, zone
checks) read their thresholds from here.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd

from geo.config import BASEMAPS
from geo.errors import PortalError
from geo.permissions import Actor, writes
from geo.store import audit, history
from geo.store.db import Store

GUIDE = "城市黑臭水体整治工作指南（2015）"


@dataclass(frozen=True)
class Setting:
    """One setting: its key, titles, kind (float / int / choice), unit, bounds or choices, default, source."""

    key: str
    title_zh: str
    title_en: str
    kind: str
    default: Any
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    source: str = ""

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en

    def parse(self, value: Any) -> Any:
        """The value as this setting stores it; `PortalError` naming the setting when it does not fit."""
        name_zh, name_en = self.title_zh, self.title_en
        if self.kind == "choice":
            text = str(value).strip()
            if text not in self.choices:
                raise PortalError(
                    f"{name_zh} 只能是 {' / '.join(self.choices)}，不能是 {text!r}",
                    f"{name_en} must be one of {', '.join(self.choices)}, not {text!r}",
                )
            return text
        try:
            number = float(str(value).strip())
        except ValueError:
            raise PortalError(
                f"{name_zh} 应为数字，不能是 {value!r}", f"{name_en} must be a number, not {value!r}"
            ) from None
        if not math.isfinite(number) or (self.kind == "int" and not number.is_integer()):
            kind_zh, kind_en = ("整数", "a whole number") if self.kind == "int" else ("有限数值", "a finite number")
            raise PortalError(f"{name_zh} 应为{kind_zh}: {value!r}", f"{name_en} must be {kind_en}: {value!r}")
        low = -math.inf if self.minimum is None else self.minimum
        high = math.inf if self.maximum is None else self.maximum
        if not low <= number <= high:
            raise PortalError(
                f"{name_zh} 应在 {low:g}–{high:g} {self.unit} 之间，不能是 {number:g}",
                f"{name_en} must lie within {low:g}–{high:g} {self.unit}, not {number:g}",
            )
        return int(number) if self.kind == "int" else number


SETTINGS: dict[str, Setting] = {
    s.key: s
    for s in (
        # "" follows BINHAI_BASEMAP (the deployment's choice); any other value overrides it for everyone.
        Setting("map.default_basemap", "默认底图", "Default basemap", "choice", "", choices=("", *BASEMAPS)),
        Setting(
            "water.transparency_light_cm",
            "透明度·轻度黑臭上限",
            "Transparency: light below",
            "float",
            25.0,
            "cm",
            0,
            500,
            source=GUIDE,
        ),
        Setting(
            "water.transparency_heavy_cm",
            "透明度·重度黑臭上限",
            "Transparency: heavy below",
            "float",
            10.0,
            "cm",
            0,
            500,
            source=GUIDE,
        ),
        Setting(
            "water.do_light_mg_l",
            "溶解氧·轻度黑臭上限",
            "Dissolved oxygen: light below",
            "float",
            2.0,
            "mg/L",
            0,
            20,
            source=GUIDE,
        ),
        Setting(
            "water.do_heavy_mg_l",
            "溶解氧·重度黑臭上限",
            "Dissolved oxygen: heavy below",
            "float",
            0.2,
            "mg/L",
            0,
            20,
            source=GUIDE,
        ),
        Setting(
            "water.orp_light_mv",
            "氧化还原电位·轻度黑臭上限",
            "ORP: light below",
            "float",
            50.0,
            "mV",
            -1000,
            1000,
            source=GUIDE,
        ),
        Setting(
            "water.orp_heavy_mv",
            "氧化还原电位·重度黑臭上限",
            "ORP: heavy below",
            "float",
            -200.0,
            "mV",
            -1000,
            1000,
            source=GUIDE,
        ),
        Setting(
            "water.nh3n_light_mg_l",
            "氨氮·轻度黑臭下限",
            "NH3-N: light from",
            "float",
            8.0,
            "mg/L",
            0,
            200,
            source=GUIDE,
        ),
        Setting(
            "water.nh3n_heavy_mg_l",
            "氨氮·重度黑臭下限",
            "NH3-N: heavy above",
            "float",
            15.0,
            "mg/L",
            0,
            200,
            source=GUIDE,
        ),
        # --- issue 11: water bureau lifecycle (rounds, sign-off, evidence) ---
        Setting(
            "water.sustained_rounds",
            "长制久清·连续非黑臭轮次",
            "Sustained clean: clean rounds in a row",
            "int",
            4,
            "",
            1,
            48,
            source="门户约定（待核实）",
        ),
        Setting(
            "water.sustained_months",
            "长制久清·最短跨度（月）",
            "Sustained clean: at least (months)",
            "float",
            12.0,
            "",
            0,
            120,
            source="门户约定（待核实）",
        ),
        Setting(
            "water.point_max_distance_m",
            "采样点距水体最大距离",
            "Sampling point: farthest from the body",
            "float",
            2000.0,
            "m",
            10,
            20000,
            source="门户约定",
        ),
        Setting(
            "water.evidence_max_mb",
            "证明材料单个文件上限",
            "Evidence file: largest size",
            "float",
            20.0,
            "MB",
            0.1,
            50,
            source="门户约定",
        ),
        # --- issue 13: what-if coefficients (shown beside every what-if result, with their source) ---
        Setting(
            "whatif.coal_share_pct",
            "煤炭占综合能耗比重（示意默认）",
            "Coal share of energy use (illustrative default)",
            "float",
            30.0,
            "%",
            0,
            100,
            source="示意默认值，请按园区能源平衡表设定",
        ),
        Setting(
            "whatif.coal_tce_per_t",
            "原煤折标准煤系数",
            "Raw coal to standard coal",
            "float",
            0.7143,
            "tce/t",
            0.3,
            1.0,
            source="GB/T 2589—2020《综合能耗计算通则》",
        ),
        Setting(
            "whatif.co2_coal_t_per_tce",
            "煤炭 CO₂ 排放因子",
            "CO₂ factor of coal",
            "float",
            2.66,
            "tCO₂/tce",
            0,
            5,
            source="《省级温室气体清单编制指南（试行）》，约 2.66 tCO₂/tce",
        ),
        Setting(
            "whatif.co2_other_t_per_tce",
            "其他能源 CO₂ 排放因子（按天然气）",
            "CO₂ factor of other energy (as natural gas)",
            "float",
            1.64,
            "tCO₂/tce",
            0,
            5,
            source="IPCC 2006：天然气 56.1 tCO₂/TJ × 29.3076 GJ/tce",
        ),
        Setting(
            "whatif.nox_coal_t_per_tce",
            "燃煤 NOx 排放系数",
            "NOx per tce of coal",
            "float",
            0.0041,
            "t/tce",
            0,
            0.1,
            source="第二次全国污染源普查工业源产排污系数：燃煤工业锅炉约 2.94 kg/t 原煤 ÷ 0.7143",
        ),
        Setting(
            "whatif.boiler_tce_per_th",
            "燃煤锅炉年耗煤（每蒸吨）",
            "Coal burnt per boiler t/h a year",
            "float",
            400.0,
            "tce/(t/h)",
            0,
            5000,
            source="示意：1 t/h 锅炉约耗原煤 0.14 t/h × 4,000 h/a × 0.7143",
        ),
        # --- issue 12: prohibited-zone checks (geo/zone_checks.py) ---
        Setting(
            "zones.overlap_pct",
            "禁燃区·与现行区重叠容差",
            "Zones: overlap tolerance with zones in force",
            "float",
            1.0,
            "%",
            0,
            100,
        ),
        Setting(
            "zones.min_area_km2",
            "禁燃区·最小面积（碎片/空隙）",
            "Zones: minimum area (slivers, gaps)",
            "float",
            0.01,
            "km²",
            0,
            100,
        ),
        Setting(
            "zones.outside_pct",
            "禁燃区·区界外面积容差",
            "Zones: tolerance outside the district",
            "float",
            0.5,
            "%",
            0,
            100,
        ),
    )
}


# --- issue 14: effluent limits (GB 18918-2002, DB12/599-2015), the low-temperature rule, coverage ---
GB18918 = "GB 18918-2002"
DB12_599 = "DB12/599-2015（数值待核实 / verify）"
# Effluent parameters (mg/L) in the order the pages show them; nh3n_cold applies below the cold threshold.
EFFLUENT_PARAMETERS = ("cod", "bod5", "ss", "tn", "nh3n", "tp")
# standard code (layers.wastewater.STANDARDS) → (settings key part, source, limits incl. nh3n_cold)
EFFLUENT_LIMITS: dict[str, tuple[str, str, dict[str, float]]] = {
    "GB18918-1A": ("gb18918_1a", GB18918, {"cod": 50, "bod5": 10, "ss": 10, "tn": 15, "nh3n": 5, "nh3n_cold": 8, "tp": 0.5}),
    "GB18918-1B": ("gb18918_1b", GB18918, {"cod": 60, "bod5": 20, "ss": 20, "tn": 20, "nh3n": 8, "nh3n_cold": 15, "tp": 1}),
    "DB12/599-A": ("db12_599_a", DB12_599, {"cod": 30, "bod5": 6, "ss": 5, "tn": 10, "nh3n": 1.5, "nh3n_cold": 3, "tp": 0.3}),
    "DB12/599-B": ("db12_599_b", DB12_599, {"cod": 40, "bod5": 10, "ss": 5, "tn": 15, "nh3n": 2, "nh3n_cold": 3.5, "tp": 0.4}),
    "DB12/599-C": ("db12_599_c", DB12_599, {"cod": 50, "bod5": 10, "ss": 10, "tn": 15, "nh3n": 5, "nh3n_cold": 8, "tp": 0.5}),
}  # fmt: skip
_PARAMETER_TITLES = {
    "cod": ("化学需氧量", "COD"),
    "bod5": ("五日生化需氧量", "BOD5"),
    "ss": ("悬浮物", "SS"),
    "tn": ("总氮", "TN"),
    "nh3n": ("氨氮", "NH3-N"),
    "nh3n_cold": ("氨氮（低水温）", "NH3-N (cold water)"),
    "tp": ("总磷", "TP"),
}


def effluent_key(standard: str, parameter: str) -> str:
    """The settings key of one limit, e.g. effluent.gb18918_1a.nh3n_cold."""
    return f"effluent.{EFFLUENT_LIMITS[standard][0]}.{parameter}"


SETTINGS.update(
    {
        s.key: s
        for s in (
            *(
                Setting(
                    effluent_key(code, parameter),
                    f"{code} {_PARAMETER_TITLES[parameter][0]}限值",
                    f"{code} {_PARAMETER_TITLES[parameter][1]} limit",
                    "float",
                    float(value),
                    "mg/L",
                    0,
                    1000,
                    source=source,
                )
                for code, (_, source, limits) in EFFLUENT_LIMITS.items()
                for parameter, value in limits.items()
            ),
            Setting(
                "effluent.cold_water_c",
                "低水温阈值（氨氮执行括号内限值）",
                "Cold-water threshold (NH3-N cold limit applies below)",
                "float",
                12.0,
                "°C",
                -5,
                40,
                source=GB18918,
            ),
            Setting(
                "effluent.db12_cold_rule",
                "DB12/599 低温限值适用条件",
                "DB12/599 cold-limit rule",
                "choice",
                "temperature",
                choices=("temperature", "winter_months"),
                source=DB12_599,
            ),
            Setting(
                "coverage.sewage_per_capita_l",
                "人均综合污水量",
                "Sewage per resident",
                "float",
                200.0,
                "L/人·日",
                10,
                2000,
                source="示意取值 / illustrative",
            ),
            Setting(
                "coverage.water_to_sewage",
                "用水折污系数",
                "Sewage share of water use",
                "float",
                0.85,
                "",
                0.1,
                1.0,
                source="示意取值 / illustrative",
            ),
        )
    }
)


def _setting(key: str) -> Setting:
    try:
        return SETTINGS[key]
    except KeyError:
        raise PortalError(f"没有设置项 {key}", f"no setting {key}") from None


def current_settings(store: Store, as_of: date | datetime | None = None) -> dict[str, Any]:
    """Every setting's value (the stored one, else the default), now or as of a date."""
    values = {key: s.default for key, s in SETTINGS.items()}
    if not store.exists:
        return values
    moment = history.as_of_moment(as_of)
    source = history.source("settings", moment, "key, value_json")
    stored = store.query(
        f"SELECT key, value_json FROM {source} AS s",  # noqa: S608 - history's SQL
        {"as_of": moment} if moment is not None else None,
    )
    for key, text in zip(stored["key"], stored["value_json"], strict=True):
        if key in SETTINGS:
            values[key] = json.loads(text)
    return values


def settings_table(store: Store, lang: str = "zh") -> pd.DataFrame:
    """The settings as an administrator sees them: key, title, value, default, unit, source, changed_by, valid_from."""
    stored = store.query("SELECT key, value_json, changed_by, valid_from FROM settings")
    by_key = {r.key: r for r in stored.itertuples(index=False)}
    rows = []
    for key, s in SETTINGS.items():
        row = by_key.get(key)
        rows.append(
            {
                "key": key,
                "title": s.title(lang),
                "value": json.loads(row.value_json) if row else s.default,
                "default": s.default,
                "unit": s.unit,
                "source": s.source,
                "changed_by": row.changed_by if row else None,
                "valid_from": row.valid_from if row else None,
            }
        )
    return pd.DataFrame(rows)


@writes("settings.update", "admin")
def update_setting(
    store: Store, actor: Actor, key: str, value: Any, reason: str | None = None, now: datetime | None = None
) -> Any:
    """Set one setting (checked against its kind and bounds); the old value goes to history and the audit log."""
    setting = _setting(key)
    parsed = setting.parse(value)
    now = now or datetime.now(UTC).replace(tzinfo=None)
    with store.transaction() as s:
        row = s.execute("SELECT value_json FROM settings WHERE key = ?", [key]).fetchone()
        before = json.loads(row[0]) if row else setting.default
        if before == parsed:
            return parsed
        history.archive(s, "settings", "key = $key", {"key": key}, now)
        s.execute(
            "INSERT INTO settings (key, value_json, valid_from, changed_by) VALUES (?, ?, ?, ?)",
            [key, json.dumps(parsed), now, actor.username],
        )
        audit.record(
            s, actor, "settings.update", "setting", key, {"value": before}, {"value": parsed}, now=now, reason=reason
        )
    return parsed
