"""Energy- and emission-intensive (两高) projects: the plan's ledger of 拟建 / 在建 / 存量 projects."""

from layers.base import Field, LayerSpec, Style, choices

STAGES = choices(
    ("proposed", "拟建", "Proposed"),
    ("under_construction", "在建", "Under construction"),
    ("existing", "存量", "Existing"),
)
# The plan names 煤电, 石化, 煤化工, 建材, 化工 as the focus; 钢铁 is on the national 两高 list too.
SECTORS = choices(
    ("coal_power", "煤电", "Coal power"),
    ("petrochemical", "石化", "Petrochemicals"),
    ("coal_chemical", "煤化工", "Coal chemicals"),
    ("building_materials", "建材", "Building materials"),
    ("chemical", "化工", "Chemicals"),
    ("steel", "钢铁", "Steel"),
)
APPROVAL_STATUSES = choices(
    ("approved", "已批复", "Approved"),
    ("pending", "审批中", "Pending"),
    ("rejected", "未通过", "Rejected"),
    ("filed", "已备案", "Filed"),
)

SPEC = LayerSpec(
    name="two_high_projects",
    title_zh="两高项目台账",
    title_en="Energy- and emission-intensive ('two-high') projects",
    geometry=("Point",),
    id_prefix="TH",
    draw_order=60,
    sample="data.sample.ledgers:two_high_project_layer",
    sample_order=60,
    shown_by_default=False,  # dozens of points would crowd the overview map
    fields=(
        Field("name", "项目名称", "Project", required=True, aliases=("项目名称", "名称"), in_tooltip=True),
        Field(
            "stage",
            "项目阶段",
            "Stage",
            required=True,
            choices=STAGES,
            aliases=("项目阶段", "阶段"),
            in_tooltip=True,
        ),
        Field(
            "sector",
            "所属行业",
            "Sector",
            required=True,
            choices=SECTORS,
            aliases=("所属行业", "行业"),
            in_tooltip=True,
        ),
        Field(
            "energy_use_tce",
            "年综合能耗（吨标准煤）",
            "Annual energy use (tce)",
            type="float",
            minimum=0,
            aliases=("年综合能耗", "综合能耗", "能耗（吨标准煤）", "年综合能源消费量"),
            in_tooltip=True,
        ),
        Field(
            "approval_status",
            "审批状态",
            "Approval status",
            choices=APPROVAL_STATUSES,
            aliases=("审批状态", "审批情况"),
            in_tooltip=True,
        ),
        Field("park", "所在园区", "Park", aliases=("所在园区", "园区")),
        Field("town", "所在街镇", "Street/town", aliases=("所在街镇", "街镇")),
        Field("company", "建设单位", "Company", aliases=("建设单位", "企业名称", "项目单位")),
    ),
    style=Style(
        color="#a50026",
        fill_color="#d73027",
        weight=1.0,
        fill_opacity=0.9,
        radius=7,
        category_field="stage",
        category_colors=(("proposed", "#fdae61"), ("under_construction", "#f46d43"), ("existing", "#a50026")),
    ),
    description_zh="“两高”项目清单管理：拟建、在建、存量项目的行业、年综合能耗与审批状态（点位）。",
    description_en="The 'two-high' project list: proposed, under-construction and existing projects with sector, "
    "annual energy use and approval status (points).",
)
