"""Wastewater treatment facilities (污水处理设施): urban plants, industrial plants, rural stations."""

from layers.base import Field, LayerSpec, Style, choices

FACILITY_TYPES = choices(
    ("urban", "城镇污水处理厂", "Urban WWTP"),
    ("industrial", "工业污水处理厂", "Industrial WWTP"),
    ("rural", "农村生活污水处理站", "Rural sewage station"),
)
# GB 18918-2002 classes and Tianjin's DB12/599-2015 classes.
STANDARDS = choices(
    ("GB18918-1A", "GB 18918 一级A", "GB 18918 Class 1A"),
    ("GB18918-1B", "GB 18918 一级B", "GB 18918 Class 1B"),
    ("DB12/599-A", "DB12/599 A标准", "DB12/599 Class A"),
    ("DB12/599-B", "DB12/599 B标准", "DB12/599 Class B"),
    ("DB12/599-C", "DB12/599 C标准", "DB12/599 Class C"),
)
MONITORING = choices(
    ("connected", "已联网", "Connected"),
    ("not_connected", "未联网", "Not connected"),
)

SPEC = LayerSpec(
    name="wastewater",
    title_zh="污水处理设施",
    title_en="Wastewater facilities",
    geometry=("Point",),
    id_prefix="WW",
    draw_order=50,
    sample="data.sample.facilities:wastewater_layer",
    sample_order=50,
    fields=(
        Field("name", "设施名称", "Facility", required=True, aliases=("名称", "设施名称"), in_tooltip=True),
        Field(
            "facility_type",
            "设施类型",
            "Type",
            required=True,
            choices=FACILITY_TYPES,
            aliases=("类型", "设施类型"),
            in_tooltip=True,
        ),
        Field(
            "design_capacity",
            "设计规模（万m³/日）",
            "Design capacity (10⁴ m³/d)",
            type="float",
            minimum=0,
            maximum=500,
            aliases=("设计规模", "规模"),
            in_tooltip=True,
        ),
        Field(
            "discharge_standard", "出水标准", "Effluent standard", choices=STANDARDS, aliases=("出水标准", "排放标准")
        ),
        Field("town", "所在街镇", "Street/town", aliases=("街镇", "所在街镇")),
        Field("operator", "运营单位", "Operator", aliases=("运营单位",)),
        Field("online_monitoring", "在线监测", "Online monitoring", choices=MONITORING, aliases=("在线监测",)),
    ),
    style=Style(
        color="#01665e",
        fill_color="#35978f",
        weight=1.0,
        fill_opacity=0.9,
        radius=6,
        category_field="facility_type",
        category_colors=(("urban", "#01665e"), ("industrial", "#8c510a"), ("rural", "#5ab4ac")),
    ),
    description_zh="城镇与工业污水处理厂、农村生活污水处理站（点位）。",
    description_en="Urban and industrial treatment plants and rural sewage stations (points).",
)
