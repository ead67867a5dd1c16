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
