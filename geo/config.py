"""Settings read from the environment (and nothing else), with defaults that work offline.

A malformed setting is the operator's input: it raises `SettingsError` naming the variable and the
value, in Chinese and English, before anything is opened or created.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from geo.errors import PortalError

ROOT = Path(__file__).resolve().parent.parent
BASEMAPS = ("none", "local", "tianditu", "osm")
# How Leaflet draws vector layers: one <canvas> (fast at 10,000 shapes; the default) or one SVG element per
# shape (kept for comparison: `make bench` measures both).
RENDERERS = ("canvas", "svg")
LANGUAGE_CODES = ("zh", "en")
DEFAULT_DB = ROOT / "data" / "binhai.duckdb"
# Relative to the map's frame, like the maps' scripts (geo.maps.assets.STATIC_URL): works under a sub-path.
DEFAULT_LOCAL_TILES_URL = "../../app/static/tiles/{z}/{x}/{y}.png"


class SettingsError(PortalError):
    """An environment variable (or --db) holds a value the portal cannot use."""


@dataclass(frozen=True)
class Limits:
    """Bounds on what an import may bring in; each is an env var so operators can tune them."""

    max_upload_mb: float = 50.0
    max_features: int = 50_000
    max_vertices: int = 200_000
    max_vertices_per_feature: int = 50_000
    max_zip_ratio: float = 100.0
    max_zip_members: int = 50
    max_raster_mb: float = 20.0  # issue 14: an uploaded concentration grid (GeoTIFF)
    max_raster_pixels: int = 4_000_000


@dataclass(frozen=True)
class Settings:
    """Everything the portal reads from the environment, checked (see `load_settings`)."""

    db_path: Path
    basemap: str = "none"
    db_url: str = ""  # BINHAI_DB_URL / --db postgresql://…: the store on PostGIS instead of the DuckDB file
    tianditu_key: str = ""
    local_tiles_url: str = DEFAULT_LOCAL_TILES_URL
    language: str = "zh"
    limits: Limits = field(default_factory=Limits)
    session_minutes: float = 30.0  # an idle portal login expires after this long
    map_renderer: str = "canvas"  # checked here; geo.maps reads it through `map_renderer()`

    @property
    def store_location(self) -> str:
        """What `geo.store.open_store` opens: the PostGIS URL when one is set, else the DuckDB file."""
        return self.db_url or str(self.db_path)


def _env_positive(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise SettingsError(
            f"环境变量 {name} 必须是正数，当前为 {raw!r}", f"env var {name} must be a positive number, got {raw!r}"
        )
    return value


def load_limits() -> Limits:
    """The import limits from BINHAI_MAX_*; `SettingsError` for a value that is not a positive number."""
    d = Limits()
    return Limits(
        max_upload_mb=_env_positive("BINHAI_MAX_UPLOAD_MB", d.max_upload_mb),
        max_features=int(_env_positive("BINHAI_MAX_FEATURES", d.max_features)),
        max_vertices=int(_env_positive("BINHAI_MAX_VERTICES", d.max_vertices)),
        max_vertices_per_feature=int(_env_positive("BINHAI_MAX_VERTICES_PER_FEATURE", d.max_vertices_per_feature)),
        max_zip_ratio=_env_positive("BINHAI_MAX_ZIP_RATIO", d.max_zip_ratio),
        max_zip_members=int(_env_positive("BINHAI_MAX_ZIP_MEMBERS", d.max_zip_members)),
        max_raster_mb=_env_positive("BINHAI_MAX_RASTER_MB", d.max_raster_mb),
        max_raster_pixels=int(_env_positive("BINHAI_MAX_RASTER_PIXELS", d.max_raster_pixels)),
    )


def _choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = os.environ.get(name)
    value = (raw or "").strip().lower() or default
    if value not in choices:
        raise SettingsError(
            f"环境变量 {name} 只能是 {' / '.join(choices)}，当前为 {raw!r}",
            f"env var {name} must be one of {', '.join(choices)}, got {raw!r}",
        )
    return value


def map_renderer() -> str:
    """The vector renderer from BINHAI_MAP_RENDERER: "canvas" (default) or "svg"."""
    return _choice("BINHAI_MAP_RENDERER", "canvas", RENDERERS)


def check_store_path(path: Path, source: str = "BINHAI_DB") -> Path:
    """`path` if it can be a store: not a folder, not a file of another kind, under a folder (or none yet).

    Nothing is created here; `source` names where the path came from (an env var or `--db`).
    """
    path = Path(path).expanduser()
    if path.is_dir():
        raise SettingsError(
            f"{source} 指向文件夹 {path}，应为数据库文件（如 data/binhai.duckdb）",
            f"{source} names the folder {path}; it must name the store file (e.g. data/binhai.duckdb)",
        )
    if path.is_file() and path.stat().st_size > 0:
        try:
            with path.open("rb") as f:
                header = f.read(12)
        except OSError as exc:
            raise SettingsError(
                f"{source} 指向的文件 {path} 无法读取: {exc.strerror}", f"{source}: cannot read {path}: {exc.strerror}"
            ) from exc
        if header[8:12] != b"DUCK":
            raise SettingsError(
                f"{source} 指向的 {path} 不是 DuckDB 数据库文件，已拒绝使用（文件未改动）",
                f"{source} names {path}, which is not a DuckDB database; refused (the file is unchanged)",
            )
    for parent in path.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise SettingsError(
                    f"{source} 的上级路径 {parent} 不是文件夹", f"{source}: the parent {parent} is not a folder"
                )
            break
    return path


DB_URL_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")


def check_db_url(url: str, source: str = "BINHAI_DB_URL") -> str:
    """A PostgreSQL URL (`postgresql://user[:password]@host[:port]/database[#schema]`), else `SettingsError`."""
    from urllib.parse import urlsplit

    url = url.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - reading it raises ValueError for a port that is not a number
    except ValueError as exc:
        raise SettingsError(f"{source} 不是合法的数据库地址", f"{source} is not a valid database URL: {exc}") from exc
    if not url.startswith(DB_URL_SCHEMES) or not parts.hostname:
        raise SettingsError(
            f"{source} 应形如 postgresql://用户@主机:端口/数据库",
            f"{source} must look like postgresql://user@host:port/database",
        )
    return url


def load_settings(db_path: Path | str | None = None) -> Settings:
    """Read settings from BINHAI_* / TIANDITU_KEY environment variables; `SettingsError` if one is malformed.

    `db_path` (the CLI's --db) takes the place of $BINHAI_DB and $BINHAI_DB_URL, which are then not
    looked at; it may be a DuckDB file or a `postgresql://` URL.
    """
    db_url = ""
    if db_path and str(db_path).startswith(DB_URL_SCHEMES):
        db_url = check_db_url(str(db_path), "--db")
        db = Path(DEFAULT_DB)
    elif db_path:
        db = check_store_path(Path(db_path), "--db")
    else:
        db = check_store_path(Path(os.environ.get("BINHAI_DB") or DEFAULT_DB))
        if os.environ.get("BINHAI_DB_URL", "").strip():
            db_url = check_db_url(os.environ["BINHAI_DB_URL"])
    return Settings(
        db_path=db,
        db_url=db_url,
        basemap=_choice("BINHAI_BASEMAP", "none", BASEMAPS),
        tianditu_key=os.environ.get("TIANDITU_KEY", "").strip(),
        local_tiles_url=os.environ.get("BINHAI_TILES_URL") or DEFAULT_LOCAL_TILES_URL,
        language=_choice("BINHAI_LANG", "zh", LANGUAGE_CODES),
        limits=load_limits(),
        session_minutes=_env_positive("BINHAI_SESSION_MINUTES", Settings.session_minutes),
        map_renderer=map_renderer(),
    )
