"""Statistics import: header parsing, unit conversion, name matching, preview = what is written, replace a year."""

from __future__ import annotations

import datetime as dt
import hashlib

import openpyxl
import pandas as pd
import pytest

from geo import stats, stats_import
from geo.errors import InputError
from geo.permissions import Actor, PermissionDenied
from geo.stats_import import fold, match_names, normalise_name, parse_header, parse_number, unit_factor
from geo.store import audit
from layers.__main__ import main
from tests.stores import state

EDITOR = Actor("tong.ji", "统计甲", frozenset({"stats_editor"}), "portal")
VIEWER = Actor("guan.yuan", "官员", frozenset({"viewer"}), "portal")
T_IMPORT = dt.datetime(2026, 5, 1, 9, 0)


def write_csv(path, text: str, encoding: str = "utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def stored(store, entity: str, year: int, indicator: str) -> float | None:
    value = store.scalar(
        "SELECT value FROM statistics WHERE entity_id = ? AND year = ? AND indicator = ?", [entity, year, indicator]
    )
    return None if value is None else float(value)


# -- pure rules, by hand ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "code", "unit"),
    [
        ("综合能耗（吨标准煤）", "energy_consumption", "吨标准煤"),
        ("综合能耗(万吨标准煤)", "energy_consumption", "万吨标准煤"),
        ("工业增加值（万元）", "value_added", "万元"),
        ("工业增加值（亿元）", "value_added", "亿元"),
        ("化学需氧量（COD）排放量（吨）", "cod", "吨"),
        ("化学需氧量（COD）排放量", "cod", None),
        ("氮氧化物（NOx）", "nox", None),
        ("VOCs排放量(kg)", "vocs", "kg"),
        ("氨氮排放量（千克）", "nh3n", "千克"),
        ("用水量（万立方米）", "water_use", "万立方米"),
        ("能耗强度（吨标准煤/万元）", "energy_intensity", "吨标准煤/万元"),
        ("废钢产量（吨）", None, "吨"),
    ],
)
def test_headers_name_the_indicator_and_its_unit(header, code, unit):
    assert parse_header(header)[0] == code
    if code:
        assert parse_header(header) == (code, unit)


def test_units_convert_by_the_registry_and_unknown_units_are_refused():
    assert unit_factor("energy_consumption", "万吨标准煤") == 10_000  # 1 万吨标准煤 = 10,000 tce
    assert unit_factor("energy_consumption", "吨标准煤") == 1
    assert unit_factor("value_added", "亿元") == 10_000  # 1 亿元 = 10,000 万元
    assert unit_factor("cod", "kg") == 0.001
    assert unit_factor("cod", "ｋｇ") == 0.001  # full-width letters
    assert unit_factor("water_use", "m³") == 0.0001
    assert unit_factor("cod", None) == 1  # no unit: the indicator's own
    assert unit_factor("energy_consumption", "万千瓦时") is None  # no coefficient in the registry: refused
    assert unit_factor("value_added", "美元") is None


def test_names_fold_full_width_to_half_width_and_drop_park_suffixes():
    assert fold("ＴＥＤＡ　汽车产业园") == "teda汽车产业园"
    assert normalise_name("中塘工业园区") == normalise_name("中塘工业园") == "中塘"
    assert normalise_name("ＴＥＤＡ 汽车产业园区") == normalise_name("TEDA汽车产业园") == "teda汽车"
    assert normalise_name("北塘园区") == "北塘"
    assert normalise_name("绿色建材园区") == normalise_name("绿色建材园") == "绿色建材"
    assert normalise_name("园区") == "园区"  # nothing left to match on: kept


def test_numbers_read_thousands_separators_and_full_width_digits_and_refuse_text():
    assert parse_number("1,200.5") == 1200.5
    assert parse_number("１２００") == 1200
    assert parse_number("—") is None and parse_number("") is None and parse_number(None) is None
    with pytest.raises(ValueError):
        parse_number("约 1200")


def test_matching_prefers_id_then_exact_then_normalised_and_reports_ambiguity():
    entities = pd.DataFrame(
        {"id": ["PK-1", "PK-2", "PK-3", "PK-4"], "name": ["中塘工业园", "中塘工业园区二期", "大港园区", "大港工业园"]}
    )
    found, ambiguous = match_names(["PK-2", "中塘工业园", "中塘工业园区", "大港", "大港工业园区", "无此园区"], entities)
    assert found["PK-2"].how == "id"
    assert (found["中塘工业园"].entity_id, found["中塘工业园"].how) == ("PK-1", "exact")
    assert (found["中塘工业园区"].entity_id, found["中塘工业园区"].how) == ("PK-1", "normalised")
    assert {m.entity_id for m in ambiguous["大港工业园区"]} == {"PK-3", "PK-4"}  # 大港园区 and 大港工业园 → 大港
    assert "无此园区" not in found and "无此园区" not in ambiguous


# -- plan and write against the seeded store ----------------------------------------------------------------

WIDE_2024 = "园区名称,年份,综合能耗（万吨标准煤）,工业增加值（亿元）,COD排放量（kg）\n中塘工业园区,2024,1.5,20,3000\nＴＥＤＡ汽车产业园区,2024,2.0,35.5,\n"


def test_the_preview_converts_units_matches_names_and_derives_intensity(seeded_store, tmp_path):
    old_energy = stored(seeded_store, "PK-0022", 2024, "energy_consumption")
    plan = stats_import.plan_import(seeded_store, write_csv(tmp_path / "年报.csv", WIDE_2024))
    assert dict(zip(plan.matching["name_in_file"], plan.matching["entity_id"], strict=True)) == {
        "中塘工业园区": "PK-0022",
        "ＴＥＤＡ汽车产业园区": "PK-0014",
    }
    v = plan.values.set_index(["entity_id", "indicator"])
    assert v.loc[("PK-0022", "energy_consumption"), "value"] == 15_000  # 1.5 万吨标准煤
    assert v.loc[("PK-0022", "energy_consumption"), "old"] == old_energy
    assert v.loc[("PK-0022", "value_added"), "value"] == 200_000  # 20 亿元 = 200,000 万元
    assert v.loc[("PK-0022", "cod"), "value"] == 3.0  # 3,000 kg
    assert v.loc[("PK-0022", "energy_intensity"), "value"] == pytest.approx(15_000 / 200_000)
    assert v.loc[("PK-0022", "energy_intensity"), "matched_by"] == "derived"
    assert ("PK-0014", "cod") not in v.index  # a blank cell changes nothing
    assert plan.counts() == {"new": 0, "changed": 7, "unchanged": 0}
    assert stored(seeded_store, "PK-0022", 2024, "energy_consumption") == old_energy  # nothing written yet


def test_what_is_written_is_the_preview_and_the_old_values_stay_in_history(seeded_store, tmp_path):
    plan = stats_import.plan_import(seeded_store, write_csv(tmp_path / "年报.csv", WIDE_2024))
    counts = stats_import.import_statistics(seeded_store, EDITOR, plan, reason="2024 年报", now=T_IMPORT)
    assert counts == plan.counts()
    for row in plan.values.itertuples(index=False):
        assert stored(seeded_store, row.entity_id, row.year, row.indicator) == pytest.approx(row.value)
    # As of the day before, the old figures; as of now, the new ones.
    before = stats.park_values(seeded_store, "energy_consumption", 2024, park_id="PK-0022", as_of=dt.date(2026, 4, 30))
    after = stats.park_values(seeded_store, "energy_consumption", 2024, park_id="PK-0022")
    old = plan.values.set_index(["entity_id", "indicator"]).loc[("PK-0022", "energy_consumption"), "old"]
    assert before["value"].iloc[0] == old and after["value"].iloc[0] == 15_000
    closed = seeded_store.scalar("SELECT count(*) FROM statistics_history WHERE valid_to = ?", [T_IMPORT])
    assert closed == 7
    log = audit.entries(seeded_store, action="statistics.import")
    assert list(log["entity_id"]) == ["年报.csv"] and log["username"].iloc[0] == "tong.ji"
    assert '"changed":7' in log["after_json"].iloc[0] and log["reason"].iloc[0] == "2024 年报"
    assert audit.verify(seeded_store).ok


def test_reimporting_a_year_replaces_only_what_changed(seeded_store, tmp_path):
    path = write_csv(tmp_path / "a.csv", WIDE_2024)
    stats_import.import_statistics(seeded_store, EDITOR, stats_import.plan_import(seeded_store, path), now=T_IMPORT)
    again = stats_import.plan_import(seeded_store, path)
    assert again.counts() == {"new": 0, "changed": 0, "unchanged": 7}
    changed = write_csv(tmp_path / "b.csv", "园区名称,年份,COD排放量（吨）\n中塘工业园,2024,2.5\n")
    plan = stats_import.plan_import(seeded_store, changed)
    assert plan.counts() == {"new": 0, "changed": 1, "unchanged": 0}
    stats_import.import_statistics(seeded_store, EDITOR, plan, now=T_IMPORT + dt.timedelta(days=1))
    assert stored(seeded_store, "PK-0022", 2024, "cod") == 2.5
    assert stored(seeded_store, "PK-0022", 2024, "energy_consumption") == 15_000  # untouched by the second file
    history = seeded_store.query(
        "SELECT value, valid_to FROM statistics_history WHERE entity_id = 'PK-0022' AND year = 2024 "
        "AND indicator = 'cod' ORDER BY valid_to"
    )
    assert list(history["value"]) == [pytest.approx(seeded_store_cod_2024(seeded_store)), 3.0]


def seeded_store_cod_2024(store) -> float:
    """The sample's COD of PK-0022 in 2024 (the first closed version)."""
    return float(
        store.scalar(
            "SELECT value FROM statistics_history WHERE entity_id = 'PK-0022' AND year = 2024 AND indicator = 'cod' "
            "ORDER BY valid_to LIMIT 1"
        )
    )


def test_the_long_form_and_a_year_from_the_sheet_name(seeded_store, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "2026年"
    sheet.append(["名称", "综合能耗（吨标准煤）", "工业增加值（万元）"])
    sheet.append(["中塘工业园", 21_000, 80_000])
    long = book.create_sheet("long")
    long.append(["entity", "year", "indicator", "value", "unit"])
    long.append(["PK-0014", 2026, "VOCs", 12.5, "t"])
    long.append(["PK-0014", 2026, "氨氮", 500, "kg"])
    path = tmp_path / "2026.xlsx"
    book.save(path)
    plan = stats_import.plan_import(seeded_store, path)
    v = plan.values.set_index(["entity_id", "year", "indicator"])["value"]
    assert v[("PK-0022", 2026, "energy_consumption")] == 21_000
    assert v[("PK-0022", 2026, "energy_intensity")] == pytest.approx(21_000 / 80_000)
    assert v[("PK-0014", 2026, "vocs")] == 12.5 and v[("PK-0014", 2026, "nh3n")] == 0.5
    assert plan.counts()["new"] == 5 and plan.years == [2026]
    stats_import.import_statistics(seeded_store, EDITOR, plan)
    assert 2026 in stats.years(seeded_store)


def test_a_gbk_csv_is_read(seeded_store, tmp_path):
    path = write_csv(tmp_path / "gbk.csv", "园区名称,年份,用水量（万立方米）\n中塘工业园,2024,12.5\n", "gbk")
    plan = stats_import.plan_import(seeded_store, path)
    assert plan.values["value"].tolist() == [12.5]


# -- bad input: a message naming sheet, row and column; nothing written ------------------------------------


def _refused(store, path, **kwargs) -> str:
    with pytest.raises(InputError) as refused:
        stats_import.plan_import(store, path, **kwargs)
    return refused.value.report("zh") + "\n" + refused.value.report("en")


def test_bad_cells_are_named_by_sheet_row_and_column(seeded_store, tmp_path):
    text = (
        "园区名称,年份,综合能耗（吨标准煤）,废钢产量（吨）,氮氧化物排放量（吨）,综合能耗(万千瓦时)\n"
        "中塘工业园,2024,约 1200,1,-5,1\n"
        "大港,2024,1,1,1,1\n"
        "无此园区,2031,1,1,1,1\n"
    )
    report = _refused(seeded_store, write_csv(tmp_path / "bad.csv", text))
    assert "工作表 bad 第 1 行 D 列：未知指标表头 '废钢产量（吨）'" in report
    assert "sheet bad row 1 column F: unit 万千瓦时 cannot be converted to tce" in report
    assert "工作表 bad 第 2 行 C 列：'约 1200' 不是数字" in report
    assert "sheet bad row 2 column E: Nitrogen oxides (NOx) emissions cannot be negative (-5)" in report


def test_unknown_and_ambiguous_names_and_years_outside_the_periods_are_refused(seeded_store, tmp_path):
    text = "园区名称,年份,综合能耗（吨标准煤）\n无此园区,2024,1\nPK-0022,2031,1\n"
    report = _refused(seeded_store, write_csv(tmp_path / "names.csv", text))
    assert "找不到园区或单位 '无此园区'" in report
    assert "year 2031 lies outside the plan periods 2015–2030" in report
    with seeded_store.transaction() as s:  # a second park whose name normalises like 中塘工业园
        s.execute("UPDATE parks SET name = '中塘园区' WHERE id = 'PK-0023'")
    amb = write_csv(tmp_path / "amb.csv", "园区名称,年份,综合能耗（吨标准煤）\n中塘工业园区,2024,1\n")
    report = _refused(seeded_store, amb)
    assert (
        "工作表 amb 第 2 行：名称 '中塘工业园区' 对应多个：中塘工业园（PK-0022）、中塘园区（PK-0023），请改用编号"
        in report
    )


def test_a_merged_header_is_refused(seeded_store, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "2024"
    sheet.append(["名称", "排放量", None])
    sheet.append([None, "COD（吨）", "氨氮（吨）"])
    sheet.merge_cells("B1:C1")
    path = tmp_path / "merged.xlsx"
    book.save(path)
    assert "工作表 2024 第 1 行：表头含合并单元格（B1:C1）" in _refused(seeded_store, path)


def test_a_value_1000_times_the_year_before_needs_a_confirmation(seeded_store, tmp_path):
    previous = stored(seeded_store, "PK-0022", 2023, "cod")
    path = write_csv(tmp_path / "x.csv", f"园区名称,年份,COD（吨）\n中塘工业园,2024,{previous * 1500:.2f}\n")
    plan = stats_import.plan_import(seeded_store, path)
    assert len(plan.outliers) == 1
    with pytest.raises(InputError, match="1,500 倍"):
        stats_import.import_statistics(seeded_store, EDITOR, plan)
    assert stored(seeded_store, "PK-0022", 2024, "cod") != pytest.approx(previous * 1500)
    stats_import.import_statistics(seeded_store, EDITOR, plan, confirm_outliers=True)
    assert stored(seeded_store, "PK-0022", 2024, "cod") == pytest.approx(previous * 1500, rel=1e-6)


def test_a_10000_row_sheet_is_checked_row_by_row_and_the_row_limit_applies(seeded_store, tmp_path):
    rows = "".join(f"某园区{i},2024,{i}\n" for i in range(10_000))
    path = write_csv(tmp_path / "big.csv", "园区名称,年份,综合能耗（吨标准煤）\n" + rows)
    with pytest.raises(InputError) as refused:
        stats_import.plan_import(seeded_store, path)
    assert len(refused.value.problems) == 10_000
    assert "超过上限 5,000 行" in _refused(seeded_store, path, max_rows=5_000)


def test_only_a_stats_editor_imports_and_a_refusal_leaves_the_store_alone(seeded_store, tmp_path):
    plan = stats_import.plan_import(seeded_store, write_csv(tmp_path / "a.csv", WIDE_2024))
    with pytest.raises(PermissionDenied, match="统计录入"):
        stats_import.import_statistics(seeded_store, VIEWER, plan)
    assert stored(seeded_store, "PK-0022", 2024, "energy_consumption") != 15_000


def test_the_store_changed_after_the_preview_is_refused(seeded_store, tmp_path):
    plan = stats_import.plan_import(seeded_store, write_csv(tmp_path / "a.csv", WIDE_2024))
    with seeded_store.transaction() as s:
        s.execute("UPDATE statistics SET value = 1 WHERE entity_id = 'PK-0022' AND year = 2024 AND indicator = 'cod'")
    with pytest.raises(stats_import.StalePreview):
        stats_import.import_statistics(seeded_store, EDITOR, plan)
    assert stored(seeded_store, "PK-0022", 2024, "energy_consumption") != 15_000


# -- the CLI ------------------------------------------------------------------------------------------------


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_cli_dry_run_writes_nothing_and_import_writes(seeded_store, tmp_path, capsys):
    path = write_csv(tmp_path / "a.csv", WIDE_2024)
    with seeded_store.session() as s:
        s.execute("CHECKPOINT")
    before = state(seeded_store)
    assert main(["stats", "import", str(path), "--dry-run", "--db", seeded_store.location]) == 0
    assert "试运行，未写入 / dry run: nothing written" in capsys.readouterr().out
    assert state(seeded_store) == before
    assert main(["stats", "import", str(path), "--db", seeded_store.location]) == 0
    assert "修改 7" in capsys.readouterr().out
    assert stored(seeded_store, "PK-0022", 2024, "energy_consumption") == 15_000


def test_cli_bad_input_exits_2_bilingual_and_leaves_the_store_unchanged(seeded_store, tmp_path, capsys):
    path = write_csv(tmp_path / "bad.csv", "园区名称,年份,综合能耗（吨标准煤）\n中塘工业园,2024,约 1200\n")
    with seeded_store.session() as s:
        s.execute("CHECKPOINT")
    before = state(seeded_store)
    assert main(["stats", "import", str(path), "--db", seeded_store.location]) == 2
    message = capsys.readouterr().err
    assert "'约 1200' 不是数字" in message and "'约 1200' is not a number" in message
    assert main(["stats", "import", str(path), "--year", "2040", "--db", seeded_store.location]) == 2
    assert "2040" in capsys.readouterr().err
    assert state(seeded_store) == before
