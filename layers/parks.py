"""Industrial parks (工业园区): the unit officials assess for energy use and emissions."""

from layers.base import Field, LayerSpec, Style, choices

CIRCULAR_STATUS = choices(
    ("done", "已完成循环化改造", "Circular transformation done"),
    ("in_progress", "循环化改造推进中", "Circular transformation in progress"),
    ("not_started", "未启动", "Not started"),
    ("not_required", "不适用", "Not required"),
)
PARK_LEVELS = choices(
    ("national", "国家级", "National"),
    ("municipal", "市级", "Municipal"),
    ("district", "区级", "District"),
)
INDUSTRIES = choices(
    ("petrochemical", "石油化工", "Petrochemicals"),
    ("chemical", "精细化工", "Fine chemicals"),
    ("equipment", "装备制造", "Equipment manufacturing"),
    ("electronics", "电子信息", "Electronics"),
    ("biomedicine", "生物医药", "Biomedicine"),
    ("logistics", "港口物流", "Port logistics"),
    ("materials", "新材料", "New materials"),
    ("automotive", "汽车制造", "Automotive"),
    ("food", "粮油食品", "Food processing"),
    ("mixed", "综合", "Mixed"),
)

SPEC = LayerSpec(
    name="parks",
    title_zh="工业园区",
    title_en="Industrial parks",
    geometry=("Polygon",),
    id_prefix="PK",
    draw_order=30,
    sample="data.sample.parks:park_layer",
    sample_order=20,
    fields=(
        Field("name", "园区名称", "Park name", required=True, aliases=("名称", "园区名称", "NAME"), in_tooltip=True),
        Field("zone", "所属开发区", "Development zone", aliases=("开发区", "所属开发区"), in_tooltip=True),
        Field("town", "所在街镇", "Street/town", aliases=("街镇", "所在街镇")),
        Field("industry", "主导产业", "Main industry", choices=INDUSTRIES, aliases=("主导产业",), in_tooltip=True),
        Field("level", "园区级别", "Level", choices=PARK_LEVELS, aliases=("级别", "园区级别")),
        Field(
            "circular_status",
            "循环化改造",
            "Circular transformation",
            choices=CIRCULAR_STATUS,
            aliases=("循环化改造", "循环化改造状态"),
            in_tooltip=True,
        ),
        Field("established", "设立年份", "Established", type="int", minimum=1949, maximum=2100, aliases=("设立年份",)),
    ),
    style=Style(color="#d7301f", fill_color="#fc8d59", weight=1.5, fill_opacity=0.35),
    description_zh="园区边界及属性；年度能耗、增加值与排放量存于统计表。",
    description_en="Park boundaries and attributes; yearly energy, value added and emissions live in statistics.",
)
