"""zh/en UI strings. Chinese first; every key has both languages (a test checks it)."""

from __future__ import annotations

LANGUAGES = {"zh": "中文", "en": "English"}

STRINGS: dict[str, tuple[str, str]] = {
    "app_title": ("滨海新区节能减排一张图", "Binhai Energy & Emissions Map"),
    "app_subtitle": ("“十四五”节能减排工作实施方案 · 工作底图", "14th Five-Year energy-saving plan · working map"),
    "illustrative_banner": (
        "示意数据：地名与大致位置真实，边界与数值为程序生成，仅供演示，不代表真实统计。",
        "Illustrative data: real place names and approximate positions; boundaries and numbers are generated "
        "for demonstration and are not real statistics.",
    ),
    "illustrative_short": ("示意数据", "Illustrative data"),
    "nav_map": ("一张图", "Map"),
    "nav_data": ("图层与数据", "Layers & data"),
    "nav_group_browse": ("浏览", "Browse"),
    "nav_group_manage": ("数据", "Data"),
    "language": ("语言 / Language", "Language / 语言"),
    "basemap": ("底图", "Basemap"),
    "basemap_none": ("无底图（离线）", "None (offline)"),
    "basemap_local": ("本地瓦片", "Local tiles"),
    "basemap_tianditu": ("天地图", "Tianditu"),
    "basemap_osm": ("OpenStreetMap（需互联网）", "OpenStreetMap (needs internet)"),
    "tianditu_needs_key": (
        "天地图需要密钥：请设置环境变量 TIANDITU_KEY。已改用无底图。",
        "Tianditu needs a key: set TIANDITU_KEY. Showing no basemap instead.",
    ),
    "local_tiles_missing": (
        "未找到本地瓦片（static/tiles/{z}/{x}/{y}.png），底图将为空白。",
        "No local tiles found under static/tiles/{z}/{x}/{y}.png; the basemap will be blank.",
    ),
    "layers": ("图层", "Layers"),
    "features": ("要素数", "Features"),
    "legend": ("图例", "Legend"),
    "store_missing": (
        "数据库尚未建立。请运行 `make seed`（或 `python -m layers seed`）生成示意数据。",
        "The store does not exist yet. Run `make seed` (or `python -m layers seed`) to create sample data.",
    ),
    "store_busy": ("数据库正忙，请稍后刷新。", "The database is busy; refresh in a moment."),
    "map_caption": (
        "悬停查看名称，点击要素查看属性；右上角切换图层。面积与长度按 CGCS2000 / 3度带 CM117E（EPSG:4548）计算。",
        "Hover for names, click a feature for its attributes; toggle layers top right. Areas and lengths are "
        "computed in CGCS2000 / 3-degree GK CM 117E (EPSG:4548).",
    ),
    "area_km2": ("面积（km²）", "Area (km²)"),
    "length_km": ("长度（km）", "Length (km)"),
    "id": ("编号", "ID"),
    "layer_table": ("图层一览", "Layer overview"),
    "layer_name": ("图层", "Layer"),
    "geometry": ("几何类型", "Geometry"),
    "download": ("下载", "Download"),
    "export_format": ("导出格式", "Export format"),
    "export_layer": ("导出图层", "Export a layer"),
    "validate_upload": ("校验待导入文件", "Check a file before import"),
    "validate_help": (
        "支持 GeoJSON、GPKG、Shapefile（zip）、KML、含经纬度的 CSV。此处只做校验，不写入数据库；"
        "导入请使用命令 `python -m layers import 图层 文件`。",
        "GeoJSON, GPKG, zipped Shapefile, KML and CSV with lon/lat. This only checks the file and writes "
        "nothing; import with `python -m layers import LAYER FILE`.",
    ),
    "validate_ok": ("校验通过：{n} 个要素可导入。", "Valid: {n} features can be imported."),
    "validate_failed": ("校验未通过：", "The file was rejected:"),
    "limits": ("导入限制", "Import limits"),
    "limit_upload": ("单个文件上限 {v} MB", "Max file size {v} MB"),
    "limit_features": ("要素数上限 {v}", "Max features {v}"),
    "limit_vertices": ("顶点总数上限 {v}", "Max vertices {v}"),
    "limit_zip": ("压缩包膨胀比上限 {v}", "Max zip expansion ratio {v}"),
    "stats_rows": ("统计与目标", "Statistics & targets"),
    "statistics": ("年度统计指标", "Yearly statistics"),
    "targets": ("2025 年目标", "2025 targets"),
    "water_samples": ("水质监测记录", "Water samples"),
    "sample_source": ("数据来源", "Source"),
    "no_features": ("（无要素）", "(no features)"),
}


def t(key: str, lang: str = "zh", **values: object) -> str:
    """The string for `key` in `lang`, formatted with `values`; an unknown key is an error, not a blank."""
    zh, en = STRINGS[key]
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text
