"""Key energy-using units (重点用能单位) and whether they report to the online energy-monitoring platform."""

from layers.base import Field, LayerSpec, Style, choices
from layers.parks import INDUSTRIES as PARK_INDUSTRIES

# A park's industries, and those of key units outside parks (heat and power plants, data centres).
INDUSTRIES = choices(
    *PARK_INDUSTRIES,
    ("power_heat", "电力、热力生产和供应", "Power and heat supply"),
    ("data_services", "互联网数据服务", "Internet data services"),
)

MONITORING_STATUSES = choices(
    ("connected", "已联网", "Connected"),
    ("not_connected", "未联网", "Not connected"),
    ("data_gap", "近30天数据缺失", "Data gap in last 30 days"),
)

SPEC = LayerSpec(
    name="key_energy_units",
    title_zh="重点用能单位",
    title_en="Key energy-using units",
    geometry=("Point",),
    id_prefix="KU",
    draw_order=70,
    sample="data.sample.ledgers:key_energy_unit_layer",
    sample_order=70,
    shown_by_default=False,  # dozens of points would crowd the overview map
    fields=(
        Field("name", "单位名称", "Unit", required=True, aliases=("单位名称", "企业名称", "名称"), in_tooltip=True),
        Field("industry", "所属行业", "Industry", choices=INDUSTRIES, aliases=("所属行业", "行业"), in_tooltip=True),
        Field(
            "annual_energy_tce",
            "年综合能耗（吨标准煤）",
            "Annual energy use (tce)",
            type="float",
            minimum=0,
            aliases=("年综合能耗", "综合能耗", "能耗（吨标准煤）"),
            in_tooltip=True,
        ),
        Field(
            "monitoring_status",
            "在线监测状态",
            "Online monitoring",
            required=True,
            choices=MONITORING_STATUSES,
            aliases=("在线监测状态", "在线监测", "联网状态"),
            in_tooltip=True,
        ),
        Field(
            "last_data_on",
            "最近数据日期",
            "Last day with data",
            type="date",
            aliases=("最近数据日期", "最后上传日期", "最近上传日期"),
        ),
        Field("park", "所在园区", "Park", aliases=("所在园区", "园区")),
        Field("town", "所在街镇", "Street/town", aliases=("所在街镇", "街镇")),
    ),
    style=Style(
        color="#1a9850",
        fill_color="#66bd63",
        weight=1.0,
        fill_opacity=0.9,
        radius=5,
        category_field="monitoring_status",
        category_colors=(("connected", "#1a9850"), ("data_gap", "#fdae61"), ("not_connected", "#d73027")),
    ),
    description_zh="重点用能单位及其接入能耗在线监测平台的情况（已联网、未联网、近30天数据缺失）。",
    description_en="Key energy-using units and their link to the online energy-monitoring platform "
    "(connected, not connected, data gap in the last 30 days).",
)
