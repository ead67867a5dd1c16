"""Administrative units: the 21 streets/towns (街镇), the development zones (开发区) and the district."""

from layers.base import Field, LayerSpec, Style, choices

UNIT_KINDS = choices(
    ("district", "区", "District"),
    ("street", "街道", "Street"),
    ("town", "镇", "Town"),
    ("zone", "开发区", "Development zone"),
)

SPEC = LayerSpec(
    name="admin_units",
    title_zh="行政区划与开发区",
    title_en="Admin units & development zones",
    geometry=("Polygon",),
    id_prefix="AU",
    draw_order=10,
    sample="data.sample.geography:admin_layer",
    sample_order=10,
    fields=(
        Field("name", "名称", "Name", required=True, aliases=("名称", "NAME", "mc"), in_tooltip=True),
        Field("kind", "类型", "Kind", required=True, choices=UNIT_KINDS, aliases=("类型", "type"), in_tooltip=True),
        Field("code", "区划代码", "Code", aliases=("代码", "区划代码")),
        Field("note", "备注", "Note", aliases=("备注",)),
    ),
    style=Style(
        color="#555555",
        weight=1.2,
        fill_opacity=0.0,
        dash_array="4 4",
        category_field="kind",
        category_colors=(("zone", "#7b3294"), ("district", "#222222")),
    ),
    description_zh="街道、镇（21 个）及开发区边界，用于考核与汇总。",
    description_en="Boundaries of the 21 streets/towns and the development zones, used for assessment.",
)
