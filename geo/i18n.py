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
    "illustrative_attribution": (
        "示意数据（非真实统计与边界）",
        "Illustrative data (not real statistics or boundaries)",
    ),
    "illustrative_short": ("示意数据", "Illustrative data"),
    "nav_map": ("一张图", "Map"),
    "nav_admin": ("系统管理", "Administration"),
    "admin_users": ("用户与角色", "Users and roles"),
    "admin_audit": ("审计日志", "Audit log"),
    "admin_settings": ("参数设置", "Settings"),
    "display_name": ("显示名", "Display name"),
    "roles": ("角色", "Roles"),
    "user_state": ("状态", "State"),
    "disabled": ("已停用", "Disabled"),
    "enabled": ("启用", "Enabled"),
    "email": ("电子邮箱", "E-mail"),
    "user_add": ("新建用户", "Add a user"),
    "password_initial": ("初始密码", "Initial password"),
    "user_saved": ("已保存用户 {name}。", "Saved user {name}."),
    "user_change": ("修改用户", "Change a user"),
    "save_roles": ("保存角色", "Save roles"),
    "enable": ("启用账号", "Enable"),
    "disable": ("停用账号", "Disable"),
    "password_new": ("新密码", "New password"),
    "password_reset": ("重设密码", "Reset password"),
    "password_done": ("已为 {name} 设置新密码。", "New password set for {name}."),
    "audit_action": ("操作", "Action"),
    "audit_entity": ("对象", "Entity"),
    "audit_rows": ("共 {n} 条记录（新的在前）", "{n} rows, newest first"),
    "audit_seq": ("序号", "No."),
    "audit_time": ("时间", "Time"),
    "audit_client": ("来源", "Client"),
    "audit_before": ("修改前", "Before"),
    "audit_after": ("修改后", "After"),
    "audit_verify": ("校验哈希链", "Verify the hash chain"),
    "audit_ok": ("审计日志完整：{n} 条记录，哈希链无误。", "The audit log holds: {n} rows, the hash chain is intact."),
    "basemap_from_env": ("按部署设置（BINHAI_BASEMAP）", "As deployed (BINHAI_BASEMAP)"),
    "setting_key": ("键", "Key"),
    "setting_title": ("设置项", "Setting"),
    "setting_value": ("当前值", "Value"),
    "setting_default": ("默认值", "Default"),
    "setting_source": ("依据", "Source"),
    "changed_by": ("修改人", "Changed by"),
    "changed_at": ("修改时间", "Changed at"),
    "setting_saved": ("已保存。", "Saved."),
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
    "table_name": ("表名（命令行）", "Table (CLI name)"),
    "layer_description": ("说明", "Description"),
    "geometry": ("几何类型", "Geometry"),
    "download": ("下载", "Download"),
    "export_format": ("导出格式", "Export format"),
    "export_layer": ("导出图层", "Export a layer"),
    "validate_upload": ("校验待导入文件", "Check a file before import"),
    "validate_help": (
        "支持 GeoJSON、GPKG、Shapefile（zip）、KML、含经纬度的 CSV。文件先校验，校验通过且已登录相应角色后"
        "才能导入；命令行 `python -m layers import 图层 文件` 走同一校验流程。",
        "GeoJSON, GPKG, zipped Shapefile, KML and CSV with lon/lat. The file is checked first; importing needs "
        "a login with the layer's role. `python -m layers import LAYER FILE` runs the same checks.",
    ),
    "validate_ok": ("校验通过：{n} 个要素可导入。", "Valid: {n} features can be imported."),
    "validate_failed": ("校验未通过：", "The file was rejected:"),
    "from_gcj02": (
        "数据为 GCJ-02（火星坐标），转换后导入",
        "Data is GCJ-02 (“Mars” coordinates): convert before import",
    ),
    "from_gcj02_help": (
        "高德、腾讯等网络地图上描绘或导出的坐标为 GCJ-02，在滨海新区约偏 550 米；勾选后先换算为 WGS84 再校验。"
        "命令行对应 --from-gcj02。百度坐标（BD-09）不能这样转换。",
        "Coordinates drawn on or exported from Amap/Tencent-style web maps are GCJ-02, about 550 m off in Binhai; "
        "ticked, they are converted to WGS84 before the checks. The CLI option is --from-gcj02. Baidu (BD-09) "
        "coordinates cannot be converted this way.",
    ),
    "limits": ("导入限制", "Import limits"),
    "limit_upload": ("单个文件上限 {v} MB", "Max file size {v} MB"),
    "limit_features": ("要素数上限 {v}", "Max features {v}"),
    "limit_vertices": ("顶点总数上限 {v}", "Max vertices {v}"),
    "limit_zip": ("压缩包膨胀比上限 {v}", "Max zip expansion ratio {v}"),
    "stats_rows": ("统计与目标", "Statistics & targets"),
    "statistics": ("年度统计指标", "Yearly statistics"),
    "targets": ("规划目标", "Plan targets"),
    "water_samples": ("水质监测记录", "Water samples"),
    "sample_source": ("数据来源", "Source"),
    "no_data": ("无数据", "No data"),
    "park": ("园区", "Park"),
    "nav_parks": ("园区指标", "Park indicators"),
    "nav_assessment": ("目标考核", "Targets & assessment"),
    "nav_ledgers": ("专项台账", "Ledgers"),
    "status_col": ("状态", "Status"),
    "indicator": ("指标", "Indicator"),
    "normalisation": ("口径", "Basis"),
    "norm_total": ("总量", "Total"),
    "norm_per_km2": ("每平方公里", "Per km²"),
    "norm_per_va": ("每万元增加值", "Per 10⁴ yuan value added"),
    "year": ("年份", "Year"),
    "classification": ("分级方法", "Classification"),
    "quantiles": ("分位数", "Quantiles"),
    "natural_breaks": ("自然断点", "Natural breaks"),
    "classes": ("分级数", "Classes"),
    "ranking": ("园区排名", "Park ranking"),
    "rank": ("排名", "Rank"),
    "value": ("数值", "Value"),
    "unit": ("单位", "Unit"),
    "zone": ("所属开发区", "Development zone"),
    "town": ("所在街镇", "Street/town"),
    "pick_park": (
        "点击地图上的园区或在排名表中选择一行，查看园区详情。",
        "Click a park on the map or pick a row in the ranking to see its details.",
    ),
    "park_panel": ("园区详情", "Park details"),
    "change_vs_2020": ("较 2020 年变化", "Change vs 2020"),
    "baseline_2020": ("2020 基期", "2020 baseline"),
    "trend": ("趋势", "Trend"),
    "target_2025": ("2025 目标", "2025 target"),
    "expected_path": ("直线路径", "Straight-line path"),
    "status": ("进度", "Status"),
    "status_on_track": ("正常推进", "On track"),
    "status_at_risk": ("有风险", "At risk"),
    "status_behind": ("滞后", "Behind"),
    "status_no_data": ("无数据", "No data"),
    "progress": ("路径完成度", "Path progress"),
    "expected": ("按路径应达", "Expected on path"),
    "actual": ("实际", "Actual"),
    "target": ("目标", "Target"),
    "baseline": ("基期值", "Baseline"),
    "level": ("考核层级", "Level"),
    "level_district": ("全区", "District"),
    "level_zone": ("开发区", "Development zones"),
    "level_town": ("街镇", "Streets & towns"),
    "level_park": ("园区", "Parks"),
    "unit_name_district": ("区", "District"),
    "compare_years": ("两年对比（变化图）", "Compare two years (change map)"),
    "compare_with": ("对比基准年", "Compared with"),
    "change": ("变化", "Change"),
    "tool_search": ("搜索名称…", "Search a name…"),
    "tool_none": ("无匹配", "No match"),
    "tool_inView": ("视野内要素", "Features in view"),
    "tool_fullscreen": ("全屏", "Full screen"),
    "tool_measure": ("测量距离与面积", "Measure length and area"),
    "tool_length": ("长度", "Length"),
    "tool_area": ("面积", "Area"),
    "tool_hint": ("在地图上依次单击各点；点“完成”结束", "Click points on the map; Done to finish"),
    "tool_fullscreenShort": ("全屏", "Full screen"),
    "tool_measureShort": ("测量", "Measure"),
    "tool_finish": ("完成", "Done"),
    "tool_crs": ("按 CGCS2000 高斯投影 EPSG:4548 计算", "computed in CGCS2000 Gauss–Krüger, EPSG:4548"),
    "lon": ("经度", "Longitude"),
    "lat": ("纬度", "Latitude"),
    "circular_progress_pct": ("改造完成度（%）", "Transformation progress (%)"),
    "reported_year": ("填报年份", "Reported for"),
    "unit_name_zone": ("开发区", "Development zone"),
    "unit_name_town": ("街镇", "Street / town"),
    "unit_name_park": ("园区", "Park"),
    "change_vs_baseline": ("较基期变化", "Change vs baseline"),
    "target_year": ("目标年", "Target year"),
    "assessment_rule": (
        "进度按 2020 基期至 2025 目标的直线路径计算：完成度 = (实际 − 基期) ÷ (路径应达 − 基期)；"
        "≥100% 或已达 2025 目标为正常推进，50%–100% 为有风险，低于 50% 为滞后。",
        "Status follows the straight line from the 2020 baseline to the 2025 target: progress = (actual − "
        "baseline) ÷ (expected − baseline); ≥ 100 % or target already met = on track, 50–100 % = at risk, "
        "below 50 % = behind.",
    ),
    "aggregation_rule": (
        "开发区/街镇数值由所辖园区汇总：总量求和；能耗强度 = Σ能耗 ÷ Σ增加值（即增加值加权平均）；"
        "每平方公里 = Σ数值 ÷ Σ园区面积。",
        "Zone/town values aggregate their parks: totals are summed; energy intensity = Σ energy ÷ Σ value "
        "added (the value-added-weighted mean); per km² = Σ value ÷ Σ park area.",
    ),
    "edit_targets": ("编辑目标值（管理员）", "Edit targets (admin)"),
    "save": ("保存", "Save"),
    "saved": ("已保存 {n} 条目标。", "Saved {n} targets."),
    "login_needed": ("编辑需要以管理员身份登录（侧栏）。", "Editing needs an administrator login (sidebar)."),
    "export_csv": ("导出 CSV", "Export CSV"),
    "export_xlsx": ("导出 Excel", "Export Excel"),
    "export_map": ("导出当前地图（离线 HTML）", "Export this map (offline HTML)"),
    "login": ("登录", "Log in"),
    "logout": ("退出登录", "Log out"),
    "username": ("用户名", "Username"),
    "password": ("密码", "Password"),
    "login_failed": ("用户名或密码错误。", "Wrong username or password."),
    "sso_login": ("单点登录", "Single sign-on"),
    "sso_unmapped": (
        "身份 {who} 未对应门户账号，请联系管理员在“系统管理”中为其设置电子邮箱。",
        "The identity {who} maps to no portal account; ask an administrator to set its e-mail under Administration.",
    ),
    "session_expired": ("长时间未操作，已自动退出登录。", "You were logged out after a period of inactivity."),
    "login_needed_role": ("此操作需要登录（角色：{role}）。", "This needs a login with the role: {role}."),
    "as_of": ("数据日期", "As of"),
    "no_statistics_yet": ("该日期尚无统计数据。", "No statistics were known on that date."),
    "reason": ("修改原因（记入审计日志）", "Reason for the change (kept in the audit log)"),
    "targets_edit_hint": (
        "管理员登录后可在此编辑 2025 年目标。",
        "Administrators can edit the 2025 targets here after logging in.",
    ),
    "as_of_help": (
        "默认显示当前数据；选择较早的日期可查看那一天的图层、统计与目标。",
        "Shows today's data by default; pick an earlier day to see the layers, figures and targets of that day.",
    ),
    "as_of_showing": ("正在显示 {day} 的状态（历史数据，只读）。", "Showing the state on {day} (history, read-only)."),
    "logged_in_as": ("已登录：{name}（{role}）", "Logged in: {name} ({role})"),
    "import_title": ("导入到图层", "Import into the layer"),
    "import_mode": ("导入方式", "Mode"),
    "mode_append": ("追加（编号不得重复）", "Append (ids must be new)"),
    "mode_replace": ("替换整个图层", "Replace the whole layer"),
    "import_button": ("导入 {n} 个要素", "Import {n} features"),
    "confirm_replace": (
        "确认删除“{layer}”现有的 {n} 个要素并以此文件替换",
        "Yes, delete the {n} features now in “{layer}” and replace them with this file",
    ),
    "import_done": ("已导入 {n} 个要素到“{layer}”。", "Imported {n} features into “{layer}”."),
    "import_done_detail": (
        "已导入“{layer}”：新增 {added}、修改 {changed}、移除 {removed}、未变 {unchanged}。",
        "Imported into “{layer}”: {added} added, {changed} changed, {removed} removed, {unchanged} unchanged.",
    ),
    "diff_title": ("两个日期之间的变化", "What changed between two dates"),
    "diff_from": ("起始日期", "From"),
    "diff_to": ("截止日期", "To"),
    "diff_order": ("起始日期应早于截止日期。", "The first date must come before the second."),
    "diff_added": ("新增要素", "Added features"),
    "diff_removed": ("移除要素", "Removed features"),
    "diff_changed": ("修改要素", "Changed features"),
    "diff_area_before": ("原面积（km²）", "Area before (km²)"),
    "diff_area_after": ("新面积（km²）", "Area after (km²)"),
    "diff_fields": ("改动的字段", "Fields changed"),
    "import_needs_role": (
        "导入此图层需要登录（角色：{role}）。",
        "Importing into this layer needs a login with role: {role}.",
    ),
    "upload_too_large": (
        "文件 {name} 为 {size:.1f} MB，超过上限 {limit:g} MB。",
        "File {name} is {size:.1f} MB, above the {limit:g} MB limit.",
    ),
    "all": ("全部", "All"),
    "tab_two_high": ("两高项目台账", "'Two-high' project ledger"),
    "tab_monitoring": ("重点用能单位在线监测", "Key energy users: online monitoring"),
    "tab_rural_sewage": ("农村生活污水治理", "Rural sewage treatment"),
    "tab_circular": ("园区循环化改造", "Circular transformation of parks"),
    "projects": ("项目数", "Projects"),
    "energy_use": ("年综合能耗（tce）", "Annual energy use (tce)"),
    "stage": ("阶段", "Stage"),
    "sector": ("行业", "Sector"),
    "units": ("单位数", "Units"),
    "share_connected": ("联网率", "Share connected"),
    "rate": ("治理率（%）", "Treatment rate (%)"),
    "gap": ("差距（百分点）", "Gap (points)"),
    "meets_target": ("达到 90%", "Meets 90 %"),
    "qualifying_parks": ("应改造园区（市级以上）", "Qualifying parks (municipal+)"),
    "done_parks": ("已完成", "Done"),
    "share_done": ("完成率", "Share done"),
    "all_by_2025": ("2025 年全部完成", "All done by 2025"),
    "yes": ("是", "Yes"),
    "no": ("否", "No"),
    "ledger_note": (
        "台账依据方案要求：两高项目清单、重点用能单位在线监测、农村生活污水治理率（2025 年≥90%）、"
        "符合条件的市级以上重点产业园区全部实施循环化改造。",
        "Ledgers required by the plan: energy- and emission-intensive ('two-high') projects, online monitoring of key energy users, rural sewage "
        "treatment (≥ 90 % by 2025) and circular transformation of every qualifying municipal-level park.",
    ),
    "trend_caption": (
        "趋势（实线）· 2020→2025 直线路径（虚线）· 2025 目标（红线）",
        "Trend (solid) · straight-line path 2020→2025 (dashed) · 2025 target (red)",
    ),
    "no_features": ("（无要素）", "(no features)"),
    # --- issue 16: meeting brief (生成简报) ---
    "brief_make": ("生成简报", "Make brief"),
    "brief_orientation": ("纸张方向", "Paper"),
    "brief_portrait": ("A4 纵向", "A4 portrait"),
    "brief_landscape": ("A4 横向", "A4 landscape"),
    "brief_rendering": ("正在生成简报（地图、图表与表格）…", "Rendering the brief (map, charts and tables)…"),
    "brief_ready": (
        "简报已生成（{year}年，{level}，{indicator}）：",
        "The brief is ready ({year}, {level}, {indicator}):",
    ),
    "brief_download_pdf": ("下载简报 PDF", "Download the brief (PDF)"),
    "brief_download_png": ("下载地图 PNG（用于幻灯片）", "Download the map (PNG, for slides)"),
    "brief_help": (
        "按当前页面的层级、指标、年份和数据日期生成 A4 简报：专题图、考核表、园区排名、趋势图与中文摘要；离线生成。",
        "An A4 brief of this page's level, indicator, year and data date: map, assessment table, park ranking, "
        "trend charts and a Chinese summary; made offline.",
    ),
    # --- issue 13: statistics import, plan periods, final assessment, forecast, what-if ---
    "stats_import_title": ("导入统计数据（年报表）", "Import statistics (yearly workbooks)"),
    "stats_import_help": (
        "XLSX 或 CSV（UTF-8 或 GBK）。宽表：每行一个园区或街镇/开发区，每列一个指标，表头带单位，如“综合能耗（万吨标准煤）”；"
        "年份取自“年份”列、工作表名（如 2025）或下方的年份。长表：entity, year, indicator, value, unit。"
        "按编号或名称匹配（全角/半角、“园区/工业园区”后缀不计），单位自动换算；先预览原值 → 新值，确认后一次写入，原值保留在历史中。",
        "XLSX or CSV (UTF-8 or GBK). Wide form: one row per park or street/zone, one column per indicator, units in the "
        "header, e.g. 'energy use (10k tce)'; the year comes from a year column, the sheet's name (e.g. 2025) or the "
        "year below. Long form: entity, year, indicator, value, unit. Rows are matched by id or name (full-/half-width "
        "and park-name suffixes ignored) and units converted; preview old → new, then write in one step — old values "
        "stay in the history.",
    ),
    "stats_import_year": ("年份（文件未注明时）", "Year (if the file does not say)"),
    "stats_import_year_help": (
        "文件有“年份”列或工作表以年份命名时不必填写",
        "Not needed when the file has a year column or its sheets are named after the year",
    ),
    "stats_import_file": ("统计表文件", "Statistics file"),
    "stats_import_failed": (
        "文件未通过检查，未写入任何数据：",
        "The file did not pass the checks; nothing was written:",
    ),
    "stats_import_years": ("年份", "Years"),
    "stats_import_matching": ("名称匹配", "Name matching"),
    "stats_import_changes": ("将写入的数值（原值 → 新值）", "Values to be written (old → new)"),
    "stats_name_in_file": ("文件中的名称", "Name in the file"),
    "stats_matched_name": ("匹配到", "Matched to"),
    "stats_matched_by": ("匹配方式", "Matched by"),
    "stats_matched_id": ("编号", "id"),
    "stats_matched_exact": ("名称完全一致", "exact name"),
    "stats_matched_normalised": ("名称规范化后一致", "normalised name"),
    "stats_matched_derived": ("计算", "derived"),
    "stats_where": ("位置", "Where"),
    "stats_derived": ("由能耗 ÷ 增加值计算", "energy ÷ value added"),
    "stats_old": ("原值", "Old"),
    "stats_new": ("新值", "New"),
    "stats_as_written": ("文件单位", "Unit in the file"),
    "stats_change": ("变化", "Change"),
    "stats_change_new": ("新增", "New"),
    "stats_change_changed": ("修改", "Changed"),
    "stats_change_unchanged": ("未变", "Unchanged"),
    "stats_outliers": (
        "有 {n} 个数值达到上一年的 {factor} 倍以上，请核实（可能是单位错误）",
        "{n} values are {factor}× or more the year before: check them (a wrong unit?)",
    ),
    "stats_confirm_outliers": ("已核实，确认导入这些数值", "Checked: import these values"),
    "stats_import_button": ("导入 {n} 个数值", "Import {n} values"),
    "stats_import_done": (
        "已导入 {name}：新增 {new}、修改 {changed}、未变 {unchanged}",
        "Imported {name}: {new} new, {changed} changed, {unchanged} unchanged",
    ),
    "plan_period": ("规划期", "Plan period"),
    "period_no_years": ("{period} 期间尚无统计数据", "No statistics within {period} yet"),
    "period_no_targets": ("{period} 尚无此指标的目标", "{period} has no targets for this indicator yet"),
    "assessment_rule_period": (
        "进度按 {y0} 基期至 {y1} 目标的直线路径计算：完成度 = (实际 − 基期) ÷ (路径应达 − 基期)；"
        "≥100% 或已达 {y1} 目标为正常推进，50%–100% 为有风险，低于 50% 为滞后。",
        "Status follows the straight line from the {y0} baseline to the {y1} target: progress = (actual − "
        "baseline) ÷ (expected − baseline); ≥ 100 % or target already met = on track, 50–100 % = at risk, "
        "below 50 % = behind.",
    ),
    "forecast_rule": (
        "预计值：以最近 {n} 年数据做最小二乘直线外推到 {y1} 年，并给出 95% 预测区间；少于 3 个数据点为“数据不足”。",
        "Forecast: least-squares line through the last {n} years, extended to {y1}, with its 95 % prediction "
        "interval; fewer than 3 points = insufficient data.",
    ),
    "forecast": ("预计", "Forecast"),
    "forecast_interval": ("95% 预测区间", "95 % prediction interval"),
    "forecast_insufficient": ("数据不足", "Insufficient data"),
    "outlook": ("预计结果", "Outlook"),
    "outlook_likely_met": ("预计达标", "Likely met"),
    "outlook_likely_missed": ("预计未达标", "Likely missed"),
    "outlook_insufficient": ("数据不足", "Insufficient data"),
    "final_title": ("{period} 终期评估（{y1} 年）", "{period} final assessment ({y1})"),
    "final_not_yet": (
        "尚无 {y1} 年数据，终期评估待年报导入后生成。",
        "No {y1} figures yet: the final assessment appears once they are imported.",
    ),
    "final_rule": (
        "达标：目标为下降时实际值 ≤ 目标值，为上升时 ≥ 目标值；差距 = 实际 − 目标。按未达标（差距由大到小）、无数据、达标排序。",
        "Met: actual ≤ target for a cut, ≥ target for a rise; gap = actual − target. Ranked not met (largest "
        "shortfall first), no data, met.",
    ),
    "result": ("考核结果", "Result"),
    "result_met": ("达标", "Met"),
    "result_not_met": ("未达标", "Not met"),
    "result_no_data": ("无数据", "No data"),
    "total": ("合计", "Total"),
    "final_gap": ("差距（实际 − 目标）", "Gap (actual − target)"),
    "final_gap_pct": ("差距占目标", "Gap vs target"),
    "whatif_title": ("情景推演：采取措施后 {y1} 年能否达标", "What-if: would the {y1} target be met with measures?"),
    "whatif_help": (
        "选择园区或开发区并设定措施：压减燃煤、关停燃煤锅炉（按蒸吨）、改用天然气、提高工业增加值。"
        "起点为目标年实际值，无实际值时为趋势预计值。系数见下表，可在系统管理中修改。",
        "Choose a park or a development zone and set measures: cut coal, close coal-fired boilers (by t/h), "
        "convert to natural gas, raise value added. The start is the target year's actual value, else its "
        "trend forecast. The coefficients are listed below and are settings an administrator can change.",
    ),
    "whatif_coal_cut": ("压减燃煤（%）", "Cut coal (%)"),
    "whatif_boilers": ("关停燃煤锅炉（蒸吨）", "Close coal boilers (t/h)"),
    "whatif_convert": ("改用天然气（能耗不变）", "Convert to natural gas (same energy)"),
    "whatif_va_raise": ("提高工业增加值（%）", "Raise value added (%)"),
    "whatif_basis_actual": ("起点：{y1} 年实际值", "Start: the actual {y1} figures"),
    "whatif_basis_forecast": ("起点：{y1} 年趋势预计值", "Start: the {y1} trend forecast"),
    "whatif_basis_latest": (
        "起点：最近一年实际值（数据不足以外推）",
        "Start: the latest figures (too few years to extrapolate)",
    ),
    "whatif_basis_none": ("数据不足", "Insufficient data"),
    "whatif_intensity": ("措施后能耗强度", "Energy intensity with measures"),
    "whatif_co2": ("二氧化碳排放（估算）", "CO₂ emissions (estimate)"),
    "whatif_district": ("措施后全区能耗强度", "District energy intensity with measures"),
    "whatif_energy": ("综合能耗", "Energy use"),
    "whatif_coal": ("其中燃煤", "of which coal"),
    "whatif_before": ("无措施", "Without measures"),
    "whatif_after": ("采取措施", "With measures"),
    "whatif_factors": ("所用系数及依据", "Coefficients used and their sources"),
    "whatif_show": ("设定措施并推演", "Set measures and see the outcome"),
    "trend_forecast_caption": (
        "橙色虚线：按最近 {n} 年最小二乘趋势外推至 {y1} 年（预计值）",
        "Orange dashed: the least-squares trend of the last {n} years extended to {y1} (forecast)",
    ),
    "trend_forecast_insufficient": (
        "趋势外推：数据不足（少于 3 年）",
        "Trend forecast: insufficient data (fewer than 3 years)",
    ),
}


# Units as the store and the plan write them (Chinese) → English; a unit not listed is the same in both.
_UNITS_EN = {"万元": "10k yuan", "万m³": "10k m³", "万m³/d": "10k m³/d", "亿元": "100M yuan", "吨": "t"}


def unit_text(unit: str | None, lang: str = "zh") -> str:
    """A unit in the page's language: `tce/万元` → `tce/10k yuan` in English (each part of a ratio)."""
    if not unit or lang == "zh":
        return unit or ""
    whole = _UNITS_EN.get(unit)
    if whole:
        return whole
    return "/".join(_UNITS_EN.get(part, part) for part in unit.split("/"))


def with_unit(label: str, unit: str | None, lang: str = "zh") -> str:
    """`label（unit）` in Chinese, `label (unit)` in English; the label alone without a unit."""
    if not unit:
        return label
    shown = unit_text(unit, lang)
    return f"{label}（{shown}）" if lang == "zh" else f"{label} ({shown})"


def t(key: str, lang: str = "zh", **values: object) -> str:
    """The string for `key` in `lang`, formatted with `values`; an unknown key is an error, not a blank."""
    zh, en = STRINGS[key]
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text
