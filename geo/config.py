"""Settings read from the environment (and nothing else), with defaults that work offline."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASEMAPS = ("none", "local", "tianditu", "osm")


@dataclass(frozen=True)
class Limits:
    """Bounds on what an import may bring in; each is an env var so operators can tune them."""

    max_upload_mb: float = 50.0
    max_features: int = 50_000
    max_vertices: int = 200_000
    max_vertices_per_feature: int = 50_000
    max_zip_ratio: float = 100.0
    max_zip_members: int = 50


@dataclass(frozen=True)
class Settings:
    db_path: Path
    basemap: str = "none"
    tianditu_key: str = ""
    local_tiles_url: str = "/app/static/tiles/{z}/{x}/{y}.png"
    language: str = "zh"
    limits: Limits = field(default_factory=Limits)


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"环境变量 {name} 必须是数字 / env var {name} must be a number, got {raw!r}") from exc


def load_limits() -> Limits:
    d = Limits()
    return Limits(
        max_upload_mb=_env_float("BINHAI_MAX_UPLOAD_MB", d.max_upload_mb),
        max_features=int(_env_float("BINHAI_MAX_FEATURES", d.max_features)),
        max_vertices=int(_env_float("BINHAI_MAX_VERTICES", d.max_vertices)),
        max_vertices_per_feature=int(_env_float("BINHAI_MAX_VERTICES_PER_FEATURE", d.max_vertices_per_feature)),
        max_zip_ratio=_env_float("BINHAI_MAX_ZIP_RATIO", d.max_zip_ratio),
        max_zip_members=int(_env_float("BINHAI_MAX_ZIP_MEMBERS", d.max_zip_members)),
    )


def load_settings() -> Settings:
    """Read settings from BINHAI_* / TIANDITU_KEY environment variables."""
    db = Path(os.environ.get("BINHAI_DB") or ROOT / "data" / "binhai.duckdb")
    basemap = os.environ.get("BINHAI_BASEMAP", "none").strip().lower() or "none"
    if basemap not in BASEMAPS:
        raise ValueError(f"BINHAI_BASEMAP 只能是 {BASEMAPS} / must be one of {BASEMAPS}, got {basemap!r}")
    language = os.environ.get("BINHAI_LANG", "zh")
    return Settings(
        db_path=db,
        basemap=basemap,
        tianditu_key=os.environ.get("TIANDITU_KEY", "").strip(),
        local_tiles_url=os.environ.get("BINHAI_TILES_URL", Settings.local_tiles_url),
        language=language if language in ("zh", "en") else "zh",
        limits=load_limits(),
    )
