"""High-pollution-fuel prohibited zones (高污染燃料禁燃区), designated where clean heating is done."""

from layers.base import Field, LayerSpec, Style, choices

# 高污染燃料目录 (2017): class III is the strictest.
FUEL_CLASSES = choices(
    ("I", "Ⅰ类（一般）", "Class I (general)"),
    ("II", "Ⅱ类（较严）", "Class II (stricter)"),
    ("III", "Ⅲ类（严格）", "Class III (strict)"),
)
ZONE_STATUS = choices(
    ("in_force", "现行", "In force"),
    ("draft", "草案", "Draft"),
    ("repealed", "已废止", "Repealed"),
)

SPEC = LayerSpec(
    name="prohibited_zones",
    title_zh="高污染燃料禁燃区",
    title_en="High-pollution-fuel prohibited zones",
    geometry=("Polygon",),
    # A whole-layer import puts zones in force at once: only an approver may (planners submit drafts, issue 12).
    editor_role="zone_approver",
    id_prefix="PZ",
    draw_order=20,
    sample="data.sample.zones:prohibited_zone_layer",
    sample_order=40,
    fields=(
        Field("name", "禁燃区名称", "Zone name", required=True, aliases=("名称", "禁燃区名称"), in_tooltip=True),
        Field(
            "fuel_class",
            "管控类别",
            "Fuel class",
            required=True,
            choices=FUEL_CLASSES,
            aliases=("类别", "管控类别"),
            in_tooltip=True,
        ),
        Field("status", "状态", "Status", required=True, choices=ZONE_STATUS, aliases=("状态",), in_tooltip=True),
        Field("effective_date", "施行日期", "In force from", type="date", aliases=("施行日期", "生效日期")),
        Field("document", "划定文件", "Designating document", aliases=("文件", "划定文件")),
    ),
    style=Style(
        color="#b35806",
        fill_color="#fdb863",
        weight=1.5,
        fill_opacity=0.2,
        category_field="fuel_class",
        category_colors=(("I", "#fee0b6"), ("II", "#f1a340"), ("III", "#b35806")),
    ),
    description_zh="已完成清洁取暖改造并稳定运行、依法划定的高污染燃料禁燃区。",
    description_en="Zones where high-pollution fuels are banned after clean-heating conversion.",
)
