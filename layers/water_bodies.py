"""Black-and-odorous water bodies (黑臭水体): rivers/channels as lines, ponds as polygons."""

from layers.base import Field, LayerSpec, Style, choices

SEVERITY = choices(
    ("light", "轻度黑臭", "Lightly black-odorous"),
    ("heavy", "重度黑臭", "Heavily black-odorous"),
)
# The national platform's lifecycle (城市黑臭水体整治工作指南); "relapsed" is re-listed.
STAGES = choices(
    ("planning", "方案制定", "Plan drafted"),
    ("remediating", "治理中", "Under remediation"),
    ("completed", "完成治理", "Works completed"),
    ("effective", "初见成效", "Showing results"),
    ("sustained", "长制久清", "Sustained clean"),
    ("relapsed", "反弹", "Relapsed"),
)
WATER_TYPES = choices(
    ("river", "河道", "River"),
    ("channel", "沟渠", "Channel"),
    ("pond", "坑塘", "Pond"),
    ("lake", "湖库", "Lake/reservoir"),
)

SPEC = LayerSpec(
    name="water_bodies",
    title_zh="黑臭水体",
    title_en="Black-and-odorous water bodies",
    geometry=("LineString", "Polygon"),
    editor_role="water_editor",
    id_prefix="WB",
    draw_order=40,
    sample="data.sample.water:water_layer",
    sample_order=30,
    fields=(
        Field("name", "水体名称", "Water body", required=True, aliases=("名称", "水体名称", "NAME"), in_tooltip=True),
        Field("water_type", "水体类型", "Type", choices=WATER_TYPES, aliases=("类型", "水体类型")),
        Field("river_system", "所属水系", "River system", aliases=("水系", "所属水系")),
        Field("town", "所在街镇", "Street/town", aliases=("街镇", "所在街镇"), in_tooltip=True),
        Field("severity", "黑臭程度", "Severity", choices=SEVERITY, aliases=("黑臭程度", "等级")),
        Field(
            "stage",
            "整治阶段",
            "Remediation stage",
            required=True,
            choices=STAGES,
            aliases=("阶段", "整治阶段"),
            in_tooltip=True,
        ),
        Field("listed_year", "列入年份", "Listed in", type="int", minimum=2015, maximum=2100, aliases=("列入年份",)),
    ),
    style=Style(
        color="#2166ac",
        weight=3.0,
        fill_opacity=0.5,
        category_field="stage",
        category_colors=(
            ("planning", "#67001f"),
            ("remediating", "#d6604d"),
            ("completed", "#f4a582"),
            ("effective", "#4393c3"),
            ("sustained", "#2166ac"),
            ("relapsed", "#000000"),
        ),
    ),
    description_zh="列入清单的黑臭水体及其整治阶段；水质监测记录存于 water_samples 表。",
    description_en="Listed black-and-odorous water bodies and their stage; sampling lives in water_samples.",
)
